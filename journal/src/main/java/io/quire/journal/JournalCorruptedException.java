package io.quire.journal;

/**
 * Thrown by a {@link JournalReader} without a problem handler when it meets a damaged journal. Engines refuse to
 * start on a damaged journal rather than serve a history that differs from what clients were told.
 */
public final class JournalCorruptedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** The problem, with its location. */
    private final transient JournalProblem problem;

    /**
     * @param problem the problem found.
     */
    public JournalCorruptedException(final JournalProblem problem)
    {
        super(problem.toString());
        this.problem = problem;
    }

    /** @return the problem, with its location. */
    public JournalProblem problem()
    {
        return problem;
    }
}
