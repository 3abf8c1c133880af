package io.quire.codec;

import io.quire.codec.protocol.RejectReason;

/**
 * The stable mapping from {@link RejectReason} to the error code string a ShareDB client sees in
 * {@code error: {code, message}}. ShareDB's own codes are used where ShareDB has one (clients treat three of them
 * specially: {@code ERR_OP_SUBMIT_REJECTED}, {@code ERR_NO_OP} and, for fetches, {@code ERR_SNAPSHOT_READ_SILENT_REJECTION});
 * Quire's own limits and cluster states get {@code ERR_*} codes of their own. The strings are part of Quire's public
 * protocol: never change one, add a new reason instead.
 */
public final class RejectReasons
{
    private static final String[] CODES = new String[256];

    static
    {
        for (final RejectReason reason : RejectReason.values())
        {
            if (reason != RejectReason.NULL_VAL && reason != RejectReason.SBE_UNKNOWN)
            {
                CODES[reason.value()] = code(reason);
            }
        }
    }

    private RejectReasons()
    {
    }

    /**
     * The ShareDB error code of a reason. Never allocates.
     *
     * @param reason a reject reason.
     * @return its code, e.g. {@code "ERR_DOC_ALREADY_CREATED"}; {@code "ERR_INTERNAL"} for {@code NULL_VAL} or a
     * value from a newer schema ({@code SBE_UNKNOWN}).
     */
    public static String shareDbCode(final RejectReason reason)
    {
        final String code = reason == RejectReason.NULL_VAL || reason == RejectReason.SBE_UNKNOWN ?
            null : CODES[reason.value()];
        return code != null ? code : CODES[RejectReason.INTERNAL.value()];
    }

    private static String code(final RejectReason reason)
    {
        switch (reason)
        {
            case VERSION_NEWER_THAN_CURRENT: return "ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT";
            case DOC_ALREADY_CREATED: return "ERR_DOC_ALREADY_CREATED";
            case DOC_WAS_DELETED: return "ERR_DOC_WAS_DELETED";
            case DOC_DOES_NOT_EXIST: return "ERR_DOC_DOES_NOT_EXIST";
            case TYPE_NOT_RECOGNIZED: return "ERR_DOC_TYPE_NOT_RECOGNIZED";
            case OP_BADLY_FORMED: return "ERR_OT_OP_BADLY_FORMED";
            case OP_NOT_APPLIED: return "ERR_OT_OP_NOT_APPLIED";
            case HISTORY_GONE: return "ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND";
            case MESSAGE_BADLY_FORMED: return "ERR_MESSAGE_BADLY_FORMED";
            case OVERLOADED: return "ERR_OVERLOADED";
            case OP_TOO_LARGE: return "ERR_OP_TOO_LARGE";
            case DOC_TOO_LARGE: return "ERR_DOC_TOO_LARGE";
            case FORBIDDEN: return "ERR_FORBIDDEN";
            case NOT_PRIMARY: return "ERR_NOT_PRIMARY";
            case STALE_EPOCH: return "ERR_STALE_EPOCH";
            case INTERNAL: return "ERR_INTERNAL";
            case NO_OP: return "ERR_NO_OP";
            case SUBMIT_REJECTED: return "ERR_OP_SUBMIT_REJECTED";
            case LAST_OWNER: return "ERR_ACL_LAST_OWNER";
            case ACL_TOO_LARGE: return "ERR_ACL_TOO_LARGE";
            default: throw new IllegalStateException("no ShareDB code for " + reason);
        }
    }
}
