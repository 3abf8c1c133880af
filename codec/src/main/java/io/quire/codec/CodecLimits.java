package io.quire.codec;

/**
 * Size limits shared by edge and engine (and checked by {@link MessageValidator} on every message), so that what the
 * edge accepts is exactly what the engine accepts. Immutable; {@link #DEFAULT} holds the defaults below, and
 * {@link #builder()} overrides some of them.
 * <p>
 * All byte limits count UTF-8 bytes. The wire format sets hard ceilings that no limit may exceed:
 * {@link #WIRE_MAX_GROUP_ENTRIES} entries per repeating group, {@link #WIRE_MAX_STRING_BYTES} bytes per short string,
 * {@link #WIRE_MAX_TEXT_BYTES} per long text. A message must also fit the Aeron publication it is sent on
 * (at most term length / 8): with a 64 MiB term that is 8 MiB, with the 64 KiB terms of tests only 8 KiB, so a deployment
 * sizes its terms for {@link #maxOpTextBytes()} and {@link #maxSnapshotChunkBytes()}.
 */
public final class CodecLimits
{
    /** Ceiling of a repeating group's entry count: numInGroup is a uint16 whose 65535 is SBE's null value. */
    public static final int WIRE_MAX_GROUP_ENTRIES = 65534;
    /** Ceiling of a short string (varStringEncoding: uint16 length). */
    public static final int WIRE_MAX_STRING_BYTES = 65534;
    /** Ceiling of a long text (varTextEncoding: uint32 length, capped at 2^30). */
    public static final int WIRE_MAX_TEXT_BYTES = 1 << 30;

    /** Default {@link #maxOpComponents()}: generous for composed offline edits, small enough to bound transform cost. */
    public static final int DEFAULT_MAX_OP_COMPONENTS = 4096;
    /** Default {@link #maxOpTextBytes()}: 1 MiB, a large paste. */
    public static final int DEFAULT_MAX_OP_TEXT_BYTES = 1 << 20;
    /** Default {@link #maxCreateDataBytes()}: 1 MiB. */
    public static final int DEFAULT_MAX_CREATE_DATA_BYTES = 1 << 20;
    /** Default {@link #maxIdBytes()}: 256 bytes. */
    public static final int DEFAULT_MAX_ID_BYTES = 256;
    /** Default {@link #maxChannelBytes()}: a collection, a dot and a document id at their limits. */
    public static final int DEFAULT_MAX_CHANNEL_BYTES = 2 * DEFAULT_MAX_ID_BYTES + 1;
    /** Default {@link #maxSourceBytes()}: ShareDB's own ids are 32 hex chars; clients may propose their own. */
    public static final int DEFAULT_MAX_SOURCE_BYTES = 128;
    /** Default {@link #maxPrincipalBytes()}: 256 bytes. */
    public static final int DEFAULT_MAX_PRINCIPAL_BYTES = 256;
    /** Default {@link #maxTypeBytes()}: room for any type URI. */
    public static final int DEFAULT_MAX_TYPE_BYTES = 256;
    /** Default {@link #maxReasonMessageBytes()}: 1 KiB of human-readable reject detail. */
    public static final int DEFAULT_MAX_REASON_MESSAGE_BYTES = 1024;
    /** Default {@link #maxPresenceValueBytes()}: 16 KiB of presence JSON. */
    public static final int DEFAULT_MAX_PRESENCE_VALUE_BYTES = 16 * 1024;
    /** Default {@link #maxSnapshotChunkBytes()}: 1 MiB per DocSnapshot chunk. */
    public static final int DEFAULT_MAX_SNAPSHOT_CHUNK_BYTES = 1 << 20;
    /** Default {@link #maxChannelUriBytes()}: an Aeron channel URI. */
    public static final int DEFAULT_MAX_CHANNEL_URI_BYTES = 1024;
    /** Default {@link #maxAclEntries()}: 256 users with a role on one document. */
    public static final int DEFAULT_MAX_ACL_ENTRIES = 256;
    /** Default {@link #maxDocumentBytes()}: 128 MiB of UTF-8 text. */
    public static final long DEFAULT_MAX_DOCUMENT_BYTES = 128L << 20;

    /** The defaults. */
    public static final CodecLimits DEFAULT = builder().build();

    private final int maxOpComponents;
    private final int maxOpTextBytes;
    private final int maxCreateDataBytes;
    private final int maxIdBytes;
    private final int maxChannelBytes;
    private final int maxSourceBytes;
    private final int maxPrincipalBytes;
    private final int maxTypeBytes;
    private final int maxReasonMessageBytes;
    private final int maxPresenceValueBytes;
    private final int maxSnapshotChunkBytes;
    private final int maxChannelUriBytes;
    private final int maxAclEntries;
    private final long maxDocumentBytes;

    private CodecLimits(final Builder b)
    {
        maxOpComponents = check("maxOpComponents", b.maxOpComponents, WIRE_MAX_GROUP_ENTRIES);
        maxOpTextBytes = check("maxOpTextBytes", b.maxOpTextBytes, WIRE_MAX_TEXT_BYTES);
        maxCreateDataBytes = check("maxCreateDataBytes", b.maxCreateDataBytes, WIRE_MAX_TEXT_BYTES);
        maxIdBytes = check("maxIdBytes", b.maxIdBytes, WIRE_MAX_STRING_BYTES);
        maxChannelBytes = check("maxChannelBytes", b.maxChannelBytes, WIRE_MAX_STRING_BYTES);
        maxSourceBytes = check("maxSourceBytes", b.maxSourceBytes, WIRE_MAX_STRING_BYTES);
        maxPrincipalBytes = check("maxPrincipalBytes", b.maxPrincipalBytes, WIRE_MAX_STRING_BYTES);
        maxTypeBytes = check("maxTypeBytes", b.maxTypeBytes, WIRE_MAX_STRING_BYTES);
        maxReasonMessageBytes = check("maxReasonMessageBytes", b.maxReasonMessageBytes, WIRE_MAX_STRING_BYTES);
        maxPresenceValueBytes = check("maxPresenceValueBytes", b.maxPresenceValueBytes, WIRE_MAX_TEXT_BYTES);
        maxSnapshotChunkBytes = check("maxSnapshotChunkBytes", b.maxSnapshotChunkBytes, WIRE_MAX_TEXT_BYTES);
        maxChannelUriBytes = check("maxChannelUriBytes", b.maxChannelUriBytes, WIRE_MAX_STRING_BYTES);
        maxAclEntries = check("maxAclEntries", b.maxAclEntries, WIRE_MAX_GROUP_ENTRIES);
        if (b.maxDocumentBytes < 1)
        {
            throw new IllegalArgumentException("maxDocumentBytes must be positive: " + b.maxDocumentBytes);
        }
        maxDocumentBytes = b.maxDocumentBytes;
    }

    /** @return a builder starting from the defaults. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return a builder starting from these limits. */
    public Builder toBuilder()
    {
        return new Builder()
            .maxOpComponents(maxOpComponents)
            .maxOpTextBytes(maxOpTextBytes)
            .maxCreateDataBytes(maxCreateDataBytes)
            .maxIdBytes(maxIdBytes)
            .maxChannelBytes(maxChannelBytes)
            .maxSourceBytes(maxSourceBytes)
            .maxPrincipalBytes(maxPrincipalBytes)
            .maxTypeBytes(maxTypeBytes)
            .maxReasonMessageBytes(maxReasonMessageBytes)
            .maxPresenceValueBytes(maxPresenceValueBytes)
            .maxSnapshotChunkBytes(maxSnapshotChunkBytes)
            .maxChannelUriBytes(maxChannelUriBytes)
            .maxAclEntries(maxAclEntries)
            .maxDocumentBytes(maxDocumentBytes);
    }

    /** @return the most components an op may have (the components group's entry count). */
    public int maxOpComponents()
    {
        return maxOpComponents;
    }

    /** @return the most text bytes an op may carry, summed over its components (inserted and deleted text). */
    public int maxOpTextBytes()
    {
        return maxOpTextBytes;
    }

    /** @return the most bytes of initial text a create may carry. */
    public int maxCreateDataBytes()
    {
        return maxCreateDataBytes;
    }

    /** @return the longest collection, document id, presence id or ACL user. */
    public int maxIdBytes()
    {
        return maxIdBytes;
    }

    /** @return the longest presence channel. */
    public int maxChannelBytes()
    {
        return maxChannelBytes;
    }

    /** @return the longest ShareDB src. */
    public int maxSourceBytes()
    {
        return maxSourceBytes;
    }

    /** @return the longest principal (authenticated user id). */
    public int maxPrincipalBytes()
    {
        return maxPrincipalBytes;
    }

    /** @return the longest document type name or URI. */
    public int maxTypeBytes()
    {
        return maxTypeBytes;
    }

    /** @return the longest human-readable reject message. */
    public int maxReasonMessageBytes()
    {
        return maxReasonMessageBytes;
    }

    /** @return the largest presence JSON value. */
    public int maxPresenceValueBytes()
    {
        return maxPresenceValueBytes;
    }

    /** @return the largest text chunk of one DocSnapshot message. */
    public int maxSnapshotChunkBytes()
    {
        return maxSnapshotChunkBytes;
    }

    /** @return the longest Aeron channel URI in a hello or heartbeat. */
    public int maxChannelUriBytes()
    {
        return maxChannelUriBytes;
    }

    /** @return the most users with a role on one document (ACL groups of AclState and SnapshotHeader). */
    public int maxAclEntries()
    {
        return maxAclEntries;
    }

    /** @return the largest document, in UTF-8 bytes (engine: DOC_TOO_LARGE; snapshots: totalLength). */
    public long maxDocumentBytes()
    {
        return maxDocumentBytes;
    }

    /** {@inheritDoc} */
    public String toString()
    {
        return "CodecLimits{" +
            "maxOpComponents=" + maxOpComponents +
            ", maxOpTextBytes=" + maxOpTextBytes +
            ", maxCreateDataBytes=" + maxCreateDataBytes +
            ", maxIdBytes=" + maxIdBytes +
            ", maxChannelBytes=" + maxChannelBytes +
            ", maxSourceBytes=" + maxSourceBytes +
            ", maxPrincipalBytes=" + maxPrincipalBytes +
            ", maxTypeBytes=" + maxTypeBytes +
            ", maxReasonMessageBytes=" + maxReasonMessageBytes +
            ", maxPresenceValueBytes=" + maxPresenceValueBytes +
            ", maxSnapshotChunkBytes=" + maxSnapshotChunkBytes +
            ", maxChannelUriBytes=" + maxChannelUriBytes +
            ", maxAclEntries=" + maxAclEntries +
            ", maxDocumentBytes=" + maxDocumentBytes +
            '}';
    }

    private static int check(final String name, final int value, final int ceiling)
    {
        if (value < 1 || value > ceiling)
        {
            throw new IllegalArgumentException(name + " must be in [1, " + ceiling + "]: " + value);
        }
        return value;
    }

    /** Builds {@link CodecLimits}; starts from the defaults, {@link #build()} checks every value against its ceiling. */
    public static final class Builder
    {
        private int maxOpComponents = DEFAULT_MAX_OP_COMPONENTS;
        private int maxOpTextBytes = DEFAULT_MAX_OP_TEXT_BYTES;
        private int maxCreateDataBytes = DEFAULT_MAX_CREATE_DATA_BYTES;
        private int maxIdBytes = DEFAULT_MAX_ID_BYTES;
        private int maxChannelBytes = DEFAULT_MAX_CHANNEL_BYTES;
        private int maxSourceBytes = DEFAULT_MAX_SOURCE_BYTES;
        private int maxPrincipalBytes = DEFAULT_MAX_PRINCIPAL_BYTES;
        private int maxTypeBytes = DEFAULT_MAX_TYPE_BYTES;
        private int maxReasonMessageBytes = DEFAULT_MAX_REASON_MESSAGE_BYTES;
        private int maxPresenceValueBytes = DEFAULT_MAX_PRESENCE_VALUE_BYTES;
        private int maxSnapshotChunkBytes = DEFAULT_MAX_SNAPSHOT_CHUNK_BYTES;
        private int maxChannelUriBytes = DEFAULT_MAX_CHANNEL_URI_BYTES;
        private long maxDocumentBytes = DEFAULT_MAX_DOCUMENT_BYTES;
        private int maxAclEntries = DEFAULT_MAX_ACL_ENTRIES;

        private Builder()
        {
        }

        /**
         * @param value see {@link CodecLimits#maxAclEntries()}.
         * @return this.
         */
        public Builder maxAclEntries(final int value)
        {
            maxAclEntries = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxOpComponents()}.
         * @return this.
         */
        public Builder maxOpComponents(final int value)
        {
            maxOpComponents = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxOpTextBytes()}.
         * @return this.
         */
        public Builder maxOpTextBytes(final int value)
        {
            maxOpTextBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxCreateDataBytes()}.
         * @return this.
         */
        public Builder maxCreateDataBytes(final int value)
        {
            maxCreateDataBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxIdBytes()}.
         * @return this.
         */
        public Builder maxIdBytes(final int value)
        {
            maxIdBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxChannelBytes()}.
         * @return this.
         */
        public Builder maxChannelBytes(final int value)
        {
            maxChannelBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxSourceBytes()}.
         * @return this.
         */
        public Builder maxSourceBytes(final int value)
        {
            maxSourceBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxPrincipalBytes()}.
         * @return this.
         */
        public Builder maxPrincipalBytes(final int value)
        {
            maxPrincipalBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxTypeBytes()}.
         * @return this.
         */
        public Builder maxTypeBytes(final int value)
        {
            maxTypeBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxReasonMessageBytes()}.
         * @return this.
         */
        public Builder maxReasonMessageBytes(final int value)
        {
            maxReasonMessageBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxPresenceValueBytes()}.
         * @return this.
         */
        public Builder maxPresenceValueBytes(final int value)
        {
            maxPresenceValueBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxSnapshotChunkBytes()}.
         * @return this.
         */
        public Builder maxSnapshotChunkBytes(final int value)
        {
            maxSnapshotChunkBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxChannelUriBytes()}.
         * @return this.
         */
        public Builder maxChannelUriBytes(final int value)
        {
            maxChannelUriBytes = value;
            return this;
        }

        /**
         * @param value see {@link CodecLimits#maxDocumentBytes()}.
         * @return this.
         */
        public Builder maxDocumentBytes(final long value)
        {
            maxDocumentBytes = value;
            return this;
        }

        /**
         * @return the limits.
         * @throws IllegalArgumentException if a value is not positive or exceeds its wire-format ceiling.
         */
        public CodecLimits build()
        {
            return new CodecLimits(this);
        }
    }
}
