// Stack Capture's attach client: asks a HotSpot JVM for its threads over the JVM's attach
// socket, the protocol jcmd speaks, without jcmd's own start-up after the window.
//
// The probe starts it on the target's own java (16 or later: unix sockets in java.nio) while
// the sampling window runs. It loads what it needs and asks the JVM which protocol it speaks,
// then blocks on stdin. The probe writes the command and closes stdin when the window ends, and
// the command is sent at once. jcmd, started the same way, still has to find its attach
// provider and read the target's perf data after the window (60-180 ms); this client connects
// at once.
//
//   java -cp DIR StackCaptureAttach LABEL SOCKET TIMEOUT_SECONDS <<< 'Thread.print -l'
//
// Output as jcmd prints it: "LABEL:" once the command is read (before connecting), then the
// JVM's reply. Exit 0 when the JVM ran the command, 1 when it answered an error, 2 on bad
// usage, 3 when the socket failed, 124 on timeout.
//
// Compiled with -XDstringConcat=inline and written without lambdas: both would bootstrap
// invokedynamic at run time, tens of milliseconds in a cold JVM.
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

// One class file (no nested classes) so the probe writes a single file: the class is its own
// watchdog thread.
public final class StackCaptureAttach extends Thread {
    private static final int EXIT_ERROR_REPLY = 1;
    private static final int EXIT_USAGE = 2;
    private static final int EXIT_SOCKET = 3;
    private static final int EXIT_TIMEOUT = 124;

    private final long timeoutMs;

    private StackCaptureAttach(long timeoutMs) {
        super("stackcapture-attach-watchdog");
        this.timeoutMs = timeoutMs;
        setDaemon(true);
    }

    /** Ends the process when the command takes longer than the probe allows. */
    @Override
    public void run() {
        try {
            Thread.sleep(timeoutMs);
        } catch (InterruptedException e) {
            return;
        }
        System.err.println("stackcapture attach: timed out");
        Runtime.getRuntime().halt(EXIT_TIMEOUT);
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            fail(EXIT_USAGE, "usage: StackCaptureAttach LABEL SOCKET TIMEOUT_SECONDS");
        }
        long timeoutMs;
        try {
            timeoutMs = Long.parseLong(args[2]) * 1000L;
        } catch (NumberFormatException e) {
            fail(EXIT_USAGE, "bad timeout " + args[2]);
            return;
        }
        new StackCaptureAttach(timeoutMs).start();
        UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(args[1]);
        FileOutputStream out = new FileOutputStream(FileDescriptor.out);

        // During the window: the protocol the JVM speaks. JDK 24+ answers "getversion" with
        // "2 streaming"; older JVMs do not know the command and take version 1 requests. A
        // failure here (the listener not up yet) leaves version 1, which every HotSpot reads.
        boolean v2 = false;
        try {
            String version = request(socket, encodeV1("getversion", "options"));
            v2 = version != null && version.startsWith("2") && version.contains("streaming");
        } catch (IOException e) {
            // version 1
        }

        String command;
        try {
            command = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            fail(EXIT_USAGE, "reading the command: " + e.getMessage());
            return;
        }
        if (command.isEmpty()) {
            fail(EXIT_USAGE, "no command on stdin");
        }
        write(out, (args[0] + ":\n").getBytes(StandardCharsets.UTF_8));

        // streaming=0: a JDK 24+ JVM otherwise writes the reply while it holds the safepoint,
        // pausing the workload for as long as this client takes to read (JDK-8319055).
        byte[] req = v2 ? encodeV2("jcmd streaming=0", command) : encodeV1("jcmd", command);
        int code;
        try (SocketChannel ch = connect(socket)) {
            writeAll(ch, req);
            code = copyReply(ch, out);
        } catch (IOException e) {
            fail(EXIT_SOCKET, "attach socket " + args[1] + ": " + e.getMessage());
            return;
        }
        // halt: the reply is written (unbuffered) and there is nothing to shut down; the probe
        // waits for this process to end.
        Runtime.getRuntime().halt(code == 0 ? 0 : EXIT_ERROR_REPLY);
    }

    /** Version 1: the command and exactly three arguments, each NUL-terminated. */
    static byte[] encodeV1(String cmd, String arg) {
        return join("1", cmd, arg, "", "");
    }

    /** Version 2: the size of what follows, then the command (with options) and its arguments. */
    static byte[] encodeV2(String cmdWithOptions, String arg) {
        byte[] body = join(cmdWithOptions, arg);
        byte[] head = join("2", Integer.toString(body.length));
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static byte[] join(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(p).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The socket may appear a moment after the probe's trigger: retry for up to a second. */
    private static SocketChannel connect(UnixDomainSocketAddress socket) throws IOException {
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(socket);
                return ch;
            } catch (IOException e) {
                ch.close();
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                break;
            }
        }
        throw last != null ? last : new IOException("interrupted");
    }

    /** A small request whose whole reply is read into memory (getversion): its text when the
     *  JVM answered 0, else null. */
    private static String request(UnixDomainSocketAddress socket, byte[] req) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(socket);
            writeAll(ch, req);
            InputStream in = java.nio.channels.Channels.newInputStream(ch);
            byte[] all = in.readNBytes(4096);
            String s = new String(all, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            if (nl < 0) {
                throw new IOException("reply without a result code");
            }
            return parseCode(s.substring(0, nl)) == 0 ? s.substring(nl + 1).trim() : null;
        }
    }

    /** Copies the reply after its result-code line to out and returns the code. */
    private static int copyReply(SocketChannel ch, FileOutputStream out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        int code = Integer.MIN_VALUE;
        StringBuilder head = new StringBuilder();
        while (ch.read(buf) >= 0) {
            buf.flip();
            if (code == Integer.MIN_VALUE) {
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == '\n') {
                        code = parseCode(head.toString());
                        break;
                    }
                    if (head.length() > 32) {
                        throw new IOException("reply without a result code");
                    }
                    head.append((char) b);
                }
            }
            if (code != Integer.MIN_VALUE && buf.hasRemaining()) {
                write(out, buf.array(), buf.position(), buf.remaining());
            }
            buf.clear();
        }
        if (code == Integer.MIN_VALUE) {
            throw new IOException("the JVM closed the socket without a reply");
        }
        return code;
    }

    private static int parseCode(String s) throws IOException {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IOException("bad result code " + s);
        }
    }

    private static void writeAll(SocketChannel ch, byte[] b) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) {
            ch.write(bb);
        }
    }

    private static void write(FileOutputStream out, byte[] b) {
        write(out, b, 0, b.length);
    }

    private static void write(FileOutputStream out, byte[] b, int off, int len) {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            // The probe stopped reading: nothing left to report to.
            Runtime.getRuntime().halt(EXIT_SOCKET);
        }
    }

    private static void fail(int code, String msg) {
        System.err.println("stackcapture attach: " + msg);
        System.exit(code);
    }
}
