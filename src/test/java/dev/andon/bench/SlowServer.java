package dev.andon.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A server that answers each connection with one byte {@code --delay-ms} after accepting it, then
 * closes it; a connection the client closes first is closed at once. One thread accepts, one
 * selector serves, so that 10,000 waiting connections cost it a few MB and no thread each. Run as its own process by
 * {@link VirtualThreadBench}: its 10,000 sockets do not count against the benchmark JVM's limit of
 * open files. Prints its port on stdout, then serves until stdin closes.
 *
 * <p>Usage: {@code SlowServer --delay-ms 1000}
 */
public final class SlowServer {
    private record Waiting(SocketChannel channel, long dueNanos) {
    }

    public static void main(String[] args) throws Exception {
        long delayNanos = Long.parseLong(BenchSupport.arg(args, "delay-ms", "1000")) * 1_000_000L;
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        // The backlog takes a burst of 10,000 connects (the kernel caps it at somaxconn), and a
        // thread of its own does nothing but accept, so that the queue drains as fast as it fills:
        // a connect dropped from a full queue is retried by the client's kernel only after 1 s.
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 65_535);
        ConcurrentLinkedQueue<Waiting> accepted = new ConcurrentLinkedQueue<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    SocketChannel c = server.accept();
                    accepted.add(new Waiting(c, System.nanoTime() + delayNanos));
                    selector.wakeup();
                }
            } catch (IOException e) {
                System.exit(1);
            }
        }, "acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        System.out.println(server.socket().getLocalPort());
        System.out.flush();
        Thread stdinWatch = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // serve until our parent goes away
                }
            } catch (IOException e) {
                // the same
            }
            System.exit(0);
        });
        stdinWatch.setDaemon(true);
        stdinWatch.start();

        ArrayDeque<Waiting> due = new ArrayDeque<>(); // in accept order, so in due order
        ByteBuffer one = ByteBuffer.allocate(1);
        ByteBuffer sink = ByteBuffer.allocate(256);
        while (true) {
            long now = System.nanoTime();
            while (!due.isEmpty() && due.peekFirst().dueNanos() <= now) {
                SocketChannel c = due.pollFirst().channel();
                if (!c.isOpen()) continue;
                one.clear();
                one.put((byte) 42).flip();
                try {
                    c.write(one);
                } catch (IOException gone) {
                    // the client left
                }
                close(c);
            }
            for (Waiting w; (w = accepted.poll()) != null; ) {
                w.channel().configureBlocking(false);
                w.channel().register(selector, SelectionKey.OP_READ);
                due.addLast(w);
            }
            long wait = due.isEmpty() ? 0 : Math.max(1, (due.peekFirst().dueNanos() - now) / 1_000_000L);
            selector.select(wait);
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey k = keys.next();
                keys.remove();
                if (!k.isValid()) continue;
                if (k.isReadable()) {
                    SocketChannel c = (SocketChannel) k.channel();
                    sink.clear();
                    int n;
                    try {
                        n = c.read(sink);
                    } catch (IOException reset) {
                        n = -1;
                    }
                    if (n < 0) close(c); // the client closed (an abort): free the socket now
                }
            }
        }
    }

    private static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
