package io.quire.replay;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/**
 * The arguments every subcommand over one data directory takes: {@code DATA_DIR [--shard N]}.
 */
public final class ShardOptions
{
    @Parameters(index = "0", paramLabel = "DATA_DIR",
        description = "Data directory holding shard-<N>/journal and shard-<N>/snapshots (or one shard directory).")
    Path dataDir;

    @Option(names = "--shard", paramLabel = "N", description = "Only this shard.")
    Integer shard;

    /** @return the shards selected. */
    public List<ShardData> shards()
    {
        return DataDir.shards(dataDir, shard);
    }
}
