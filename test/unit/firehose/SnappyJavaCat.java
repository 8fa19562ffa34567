// snappy-java (org.xerial.snappy, Debian's libsnappy-java) as a decoder the codec tests did not
// write. Run as a single source file (Java 11+ compiles it in memory):
//
//   java -cp /usr/share/java/snappy-java.jar SnappyJavaCat.java --version
//   java -cp /usr/share/java/snappy-java.jar SnappyJavaCat.java <mode> <in> <out> [<mode> <in> <out> ...]
//
// Modes, each reading the file <in> and writing the file <out> (several per run: a JVM start costs
// about a second):
//   read-stream   <in> is the xerial stream format; <out> gets what SnappyInputStream reads from it.
//   read-hadoop   <in> is Hadoop's block framing; <out> gets its bytes, each chunk decoded by
//                 Snappy.uncompress (Google's C++ snappy via JNI). snappy-java 1.1.8 has no Hadoop
//                 input stream, so the framing is read here, as BlockDecompressorStream reads it.
//   write-stream  <out> gets <in> as SnappyOutputStream writes it.
//   write-hadoop  <out> gets <in> as SnappyHadoopCompatibleOutputStream writes it.
// --version prints snappy-java's version and the JNI library it loaded (after a round trip through it).
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyHadoopCompatibleOutputStream;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyLoader;
import org.xerial.snappy.SnappyOutputStream;

public class SnappyJavaCat {
    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--version")) {
            // A round trip loads the JNI library (or fails saying why); the process's maps say which file it was.
            byte[] probe = "snappy".getBytes();
            if (!java.util.Arrays.equals(Snappy.uncompress(Snappy.compress(probe)), probe)) throw new IOException("round trip failed");
            String lib = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("snappyjava")).map(l -> l.substring(l.indexOf('/'))).findFirst().orElse("no libsnappyjava mapped");
            System.out.println("snappy-java " + SnappyLoader.getVersion() + " (JNI " + lib + ")");
            return;
        }
        if (args.length == 0 || args.length % 3 != 0) {
            System.err.println("usage: SnappyJavaCat --version | <read-stream|read-hadoop|write-stream|write-hadoop> <in> <out> ...");
            System.exit(2);
        }
        for (int i = 0; i < args.length; i += 3) {
            Path in = Path.of(args[i + 1]);
            Path out = Path.of(args[i + 2]);
            switch (args[i]) {
                case "read-stream" -> {
                    try (InputStream s = new SnappyInputStream(Files.newInputStream(in))) {
                        Files.write(out, s.readAllBytes());
                    }
                }
                case "read-hadoop" -> Files.write(out, readHadoop(in));
                case "write-stream" -> {
                    try (OutputStream s = new SnappyOutputStream(Files.newOutputStream(out))) {
                        s.write(Files.readAllBytes(in));
                    }
                }
                case "write-hadoop" -> {
                    try (OutputStream s = new SnappyHadoopCompatibleOutputStream(Files.newOutputStream(out))) {
                        s.write(Files.readAllBytes(in));
                    }
                }
                default -> {
                    System.err.println("unknown mode " + args[i]);
                    System.exit(2);
                }
            }
        }
    }

    /** Hadoop's BlockDecompressorStream: [int32 block length] then [int32 chunk length][chunk] until the block is whole. */
    static byte[] readHadoop(Path in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataInputStream s = new DataInputStream(new BufferedInputStream(Files.newInputStream(in)))) {
            while (true) {
                int blockLength;
                try {
                    blockLength = s.readInt();
                } catch (EOFException end) {
                    break; // the end of the stream falls on a block boundary
                }
                if (blockLength < 0) throw new IOException("negative block length " + blockLength);
                int decoded = 0;
                while (decoded < blockLength) {
                    int chunkLength = s.readInt();
                    if (chunkLength <= 0) throw new IOException("bad chunk length " + chunkLength);
                    byte[] chunk = new byte[chunkLength];
                    s.readFully(chunk);
                    byte[] plain = Snappy.uncompress(chunk);
                    out.write(plain);
                    decoded += plain.length;
                }
                if (decoded != blockLength) throw new IOException("block decoded to " + decoded + " bytes, its header said " + blockLength);
            }
        }
        return out.toByteArray();
    }
}
