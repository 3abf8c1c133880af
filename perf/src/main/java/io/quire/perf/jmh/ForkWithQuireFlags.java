package io.quire.perf.jmh;

import org.openjdk.jmh.annotations.Fork;

/**
 * The fork settings every Quire benchmark shares (JMH inherits class annotations from a superclass, as its
 * inheritance sample shows): one fork with the JVM flags Agrona and Chronicle need on JDK 17 (those of
 * {@code config/jvm.options}), SBE's precedence checks off as in production, and a 2 GiB heap (the 100 MB document
 * benchmarks). Annotation values must be constants, so they are written here once rather than in every benchmark;
 * {@code -jvmArgsAppend} on the command line still adds to them.
 */
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.util.zip=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true",
    "-Dchronicle.announcer.disable=true",
    "-Dsbe.enable.precedence.checks=false",
    "-Xmx2g"})
public abstract class ForkWithQuireFlags
{
}
