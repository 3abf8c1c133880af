public class Gap {
  public static void main(String[] a) throws Exception {
    int threads = Integer.parseInt(a[0]); long secs = Long.parseLong(a[1]);
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      final int id = t;
      ts[t] = new Thread(() -> {
        long end = System.nanoTime() + secs * 1_000_000_000L, last = System.nanoTime();
        long g1 = 0, g5 = 0, g10 = 0, max = 0, total = 0;
        while (true) { long now = System.nanoTime(); long g = now - last; last = now;
          if (g > 1_000_000) { g1++; total += g; } if (g > 5_000_000) g5++; if (g > 10_000_000) g10++; if (g > max) max = g;
          if (now > end) break; }
        System.out.printf("thread %d: gaps >1ms %d (total %.1f ms) >5ms %d >10ms %d max %.2f ms%n", id, g1, total/1e6, g5, g10, max/1e6);
      });
      ts[t].start();
    }
    for (Thread t : ts) t.join();
  }
}
