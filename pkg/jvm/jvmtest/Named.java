import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

// A JVM whose thread names come from a file (NUL-separated UTF-8, written by the Go test, so
// names may hold anything a Java string can but NUL): the first thread spins in spinHot, the
// others sleep (-Dnamed.hot=N makes the N-th spin instead). It prints "ready" once all run. Names are read from a file, not the command
// line, so that the JVM's /proc/<pid>/cmdline stays ordinary.
public class Named {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        String all = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        String[] names = all.split("\0", -1);
        int hot = Integer.getInteger("named.hot", 0);
        for (int i = 0; i < names.length; i++) {
            Thread t = new Thread(i == hot ? Named::spinHot : Named::idle, names[i]);
            t.setDaemon(true);
            t.start();
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
