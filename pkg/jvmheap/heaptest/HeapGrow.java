// A JVM for the heap-evidence tests: it grows a cache of HeapGrow$Block objects, held by
// one static list, until the live heap holds -Dheap.liveMB megabytes of them (default: 70%
// of -Xmx), then prints "ready pid=N". Each Block carries 16 long fields (about 144 bytes),
// so HeapGrow$Block tops the class histogram by bytes, far ahead of the list's Object[].
// -Dheap.churnKBps=N keeps allocating N KiB/s of short-lived byte[] afterwards (default 0),
// so a histogram with -all also walks unreachable objects.
import java.util.ArrayList;

public class HeapGrow {
    static final class Block {
        long a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;

        Block(long seed) {
            a0 = seed;
            a15 = ~seed;
        }
    }

    static final ArrayList<Block> CACHE = new ArrayList<>();
    static volatile Object sink;

    public static void main(String[] args) throws Exception {
        long max = Runtime.getRuntime().maxMemory();
        long liveMB = Long.getLong("heap.liveMB", max * 7 / 10 / (1 << 20));
        long blocks = liveMB * (1 << 20) / 144;
        CACHE.ensureCapacity((int) Math.min(blocks, Integer.MAX_VALUE - 16));
        for (long i = 0; i < blocks; i++) {
            CACHE.add(new Block(i));
        }
        long churn = Long.getLong("heap.churnKBps", 0);
        if (churn > 0) {
            Thread t = new Thread(() -> churn(churn), "churn");
            t.setDaemon(true);
            t.start();
        }
        System.out.println("ready pid=" + ProcessHandle.current().pid() + " blocks=" + CACHE.size());
        System.out.flush();
        while (true) {
            Thread.sleep(60_000);
        }
    }

    static void churn(long kbPerSecond) {
        try {
            while (true) {
                for (long i = 0; i < kbPerSecond / 10; i++) {
                    sink = new byte[1024];
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
