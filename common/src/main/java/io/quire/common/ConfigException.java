package io.quire.common;

/**
 * A configuration value is missing, malformed or out of range. The message names the option, where its value came
 * from and what is accepted, so an operator can fix it without reading code.
 */
public final class ConfigException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and how to fix it.
     */
    public ConfigException(final String message)
    {
        super(message);
    }
}
