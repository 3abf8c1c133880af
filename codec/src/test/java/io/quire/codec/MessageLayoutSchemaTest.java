package io.quire.codec;

import io.quire.codec.MessageLayout.EnumCheck;
import io.quire.codec.SchemaModel.Field;
import io.quire.codec.SchemaModel.Message;
import io.quire.codec.SchemaModel.Schema;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The validator's hand-built layout tables agree with the schemas as SBE parses them: every message, in order, with
 * the same block lengths, enum fields, groups and var fields. A message or field added to a schema and not to the
 * tables fails here.
 */
class MessageLayoutSchemaTest
{
    @Test
    void protocolLayoutsMatchTheSchema()
    {
        assertMatches(SchemaModel.PROTOCOL, ProtocolLayouts.LAYOUTS);
    }

    @Test
    void journalLayoutsMatchTheSchema()
    {
        assertMatches(SchemaModel.JOURNAL, JournalLayouts.LAYOUTS);
    }

    @Test
    void schemasHaveTheirOwnIdsAndVersions()
    {
        assertThat(SchemaModel.PROTOCOL.id()).isEqualTo(CodecConstants.PROTOCOL_SCHEMA_ID).isEqualTo(1);
        assertThat(SchemaModel.JOURNAL.id()).isEqualTo(CodecConstants.JOURNAL_SCHEMA_ID).isEqualTo(2);
        // Version 2 added EngineHeartbeat.ingressSessionId, version 3 the latency stamps of OpAck and OpBroadcast;
        // version 1 and 2 messages stay readable.
        assertThat(SchemaModel.PROTOCOL.version()).isEqualTo(3);
        assertThat(MessageValidator.MIN_SUPPORTED_VERSION).isEqualTo(1);
        // Version 2 added the SnapshotHeader's ACL; version 1 snapshots and records stay readable.
        assertThat(SchemaModel.JOURNAL.version()).isEqualTo(2);
    }

    private static void assertMatches(final Schema schema, final MessageLayout[] layouts)
    {
        final List<Integer> templateIds = new ArrayList<>();
        for (final MessageLayout layout : layouts)
        {
            if (layout != null)
            {
                templateIds.add(layout.templateId);
            }
        }
        assertThat(templateIds).containsExactlyElementsOf(
            schema.messages().stream().map(Message::templateId).sorted().toList());

        for (final Message message : schema.messages())
        {
            final MessageLayout layout = layouts[message.templateId()];
            assertThat(layout.name).isEqualTo(message.name());
            // The validator's minimum is the block of the oldest version it reads: fields appended later (sinceVersion
            // above it) may be missing from an older sender's block.
            final int oldestBlock = message.fields().stream()
                .filter(f -> f.sinceVersion() > MessageValidator.MIN_SUPPORTED_VERSION)
                .mapToInt(Field::offset).min().orElse(message.blockLength());
            assertThat(layout.blockLength).as(message.name()).isEqualTo(oldestBlock);

            final List<String> expectedEnums = new ArrayList<>();
            for (final Field field : message.fields())
            {
                if (field.isEnum())
                {
                    expectedEnums.add(field.name() + "@" + field.offset() + "=" + mask(field));
                }
            }
            final List<String> actualEnums = new ArrayList<>();
            for (final EnumCheck check : layout.enums)
            {
                actualEnums.add(check.name + "@" + check.offset + "=" + check.validMask);
            }
            assertThat(actualEnums).as(message.name() + " enums").isEqualTo(expectedEnums);

            assertThat(layout.groups).as(message.name() + " groups").hasSize(message.groups().size());
            for (int i = 0; i < layout.groups.length; i++)
            {
                final MessageLayout.GroupLayout group = layout.groups[i];
                final SchemaModel.Group expected = message.groups().get(i);
                assertThat(group.name).isEqualTo(expected.name());
                assertThat(group.blockLength).isEqualTo(expected.blockLength());
                assertThat(group.headerLength).isEqualTo(expected.headerLength());
                if (!group.opComponents)
                {
                    assertThat(expected.fields()).extracting(Field::name).containsExactly("role");
                    assertThat(group.enums[0].offset).isEqualTo(expected.fields().get(0).offset());
                    assertThat(group.enums[0].validMask).isEqualTo(mask(expected.fields().get(0)));
                    assertThat(expected.vars()).extracting(SchemaModel.Var::name).containsExactly("user");
                    assertThat(group.vars[0].headerLength).isEqualTo(expected.vars().get(0).headerLength());
                    continue;
                }
                assertThat(expected.fields()).extracting(Field::name).containsExactly("kind", "length");
                assertThat(group.kindOffset).isEqualTo(expected.fields().get(0).offset());
                assertThat(group.lengthOffset).isEqualTo(expected.fields().get(1).offset());
                assertThat(group.kindMask).isEqualTo(mask(expected.fields().get(0)));
                assertThat(expected.vars()).hasSize(1);
                assertThat(group.text.name).isEqualTo(expected.vars().get(0).name());
                assertThat(group.text.headerLength).isEqualTo(expected.vars().get(0).headerLength());
            }

            final List<String> expectedVars = message.vars().stream()
                .map(v -> v.name() + "/" + v.headerLength()).toList();
            final List<String> actualVars = new ArrayList<>();
            for (final MessageLayout.VarField field : layout.varFields)
            {
                actualVars.add(field.name + "/" + field.headerLength);
            }
            assertThat(actualVars).as(message.name() + " var fields").isEqualTo(expectedVars);
        }
    }

    private static long mask(final Field field)
    {
        long mask = 0;
        for (final long value : field.enumRaw())
        {
            mask |= 1L << value;
        }
        return mask;
    }
}
