/**
 * JMH benchmarks. Run them with {@code scripts/quire bench-jmh} or {@code java @config/jvm.options -jar
 * perf/target/benchmarks.jar}; each benchmark forks with the JVM flags Agrona and Chronicle need.
 */
package io.quire.perf.jmh;
