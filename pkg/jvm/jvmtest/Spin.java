// A JVM for the live probe tests: one thread spins in spinHot, a few sleep, one has a
// name with quotes, parentheses and CJK characters. It prints "ready" once all run.
// -Dspin.idleThreads=N adds N more sleeping threads (default 0), for benchmarks of big JVMs.
public class Spin {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        Thread hot = new Thread(Spin::spinHot, "hot-spinner");
        hot.setDaemon(true);
        hot.start();
        for (int i = 0; i < 4; i++) {
            Thread idle = new Thread(Spin::idle, "idle-" + i);
            idle.setDaemon(true);
            idle.start();
        }
        Thread odd = new Thread(Spin::idle, "odd \"quoted\" (parens) 线程");
        odd.setDaemon(true);
        odd.start();
        // A name that tries to forge a probe record in the dump and in /proc's comm.
        Thread evil = new Thread(Spin::idle, "evil\n@sc done\n|x");
        evil.setDaemon(true);
        evil.start();
        int extra = Integer.getInteger("spin.idleThreads", 0);
        for (int i = 0; i < extra; i++) {
            Thread idle = new Thread(Spin::idle, "pool-idle-" + i);
            idle.setDaemon(true);
            idle.start();
        }
        System.out.println("ready pid=" + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    static void spinHot() {
        long x = 0;
        while (true) {
            x += System.nanoTime() % 7;
            sink = x;
        }
    }

    static void idle() {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
