package io.vinbind.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.vinbind.log.Untrusted;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.tinylog.Logger;

/**
 * The HTTP/1.1 transport of the API, on Netty: it turns bytes into {@link HttpRequestData}, hands each to the
 * API on a small worker pool, and writes the JSON answer back. It exists because the JDK's built-in server
 * answers a malformed request line or URI with its own HTML page, drops a malformed chunked body without an
 * answer, and gives every connection a thread for as long as the client takes to send its request; here
 * every error is the API's JSON body and a slow client costs no thread.
 *
 * <ul>
 *   <li>Request line at most {@value #MAX_LINE} bytes, headers {@value #MAX_HEADERS} bytes, body
 *       {@code maxBody} bytes: beyond them 414/431/413 with the JSON error, and the connection is closed.</li>
 *   <li>A request must arrive completely within {@code readLimit} of its first byte, or the client gets 408
 *       and is disconnected; a keep-alive connection idle for {@value #IDLE_SECONDS} s is closed. Stalled
 *       clients hold only a socket: the event loop and the workers stay free, so {@code /health} answers.</li>
 *   <li>Malformed input (request line, header, chunked encoding) is 400 naming what the decoder found.</li>
 *   <li>When the workers' queue is full the answer is 503 at once (the API is overloaded, not stuck).</li>
 * </ul>
 */
final class HttpTransport implements AutoCloseable {

    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 16384;
    static final int IDLE_SECONDS = 60;
    private static final int WORKERS = 4;
    private static final int QUEUE = 256;

    /** What the API makes of one request. */
    interface Handler {
        HttpReply handle(HttpRequestData request);
    }

    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final ThreadPoolExecutor workers;
    private final Channel channel;
    private final Handler handler;
    private final Function<String, String> errorBody;
    private final int maxBody;
    private final Duration readLimit;

    /**
     * Binds {@code address} and serves.
     *
     * @param tls when present, TLS on the listener ({@link SslContext} decides whether client
     *     certificates are requested)
     * @param errorBody the JSON body of an error the transport itself answers, from its message
     */
    HttpTransport(InetSocketAddress address, Optional<SslContext> tls, int maxBody, Duration readLimit,
                  Handler handler, Function<String, String> errorBody) throws java.io.IOException {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.errorBody = Objects.requireNonNull(errorBody, "errorBody");
        this.maxBody = maxBody;
        this.readLimit = Objects.requireNonNull(readLimit, "readLimit");
        this.boss = new NioEventLoopGroup(1, new DefaultThreadFactory("vinbind-http-accept", true));
        this.io = new NioEventLoopGroup(2, new DefaultThreadFactory("vinbind-http-io", true));
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "vinbind-http-" + n.incrementAndGet());
                t.setDaemon(true);
                t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "HTTP worker {} died", th.getName()));
                return t;
            });
        ServerBootstrap b = new ServerBootstrap()
            .group(boss, io)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ChannelPipeline p = ch.pipeline();
                    tls.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc())));
                    RequestClock clock = new RequestClock();
                    p.addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS));
                    p.addLast("clock-start", clock.start);
                    p.addLast("codec", new HttpServerCodec(MAX_LINE, MAX_HEADERS, 8192));
                    p.addLast("clock-stop", clock.stop);
                    p.addLast("aggregate", new Aggregator(maxBody));
                    p.addLast("api", new ApiHandler());
                }
            });
        try {
            this.channel = b.bind(address).sync().channel();
        } catch (InterruptedException e) {
            shutdownGroups();
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted while binding " + address, e);
        } catch (Exception e) { // Netty rethrows the bind's checked exception (address in use) unchecked
            shutdownGroups();
            workers.shutdownNow();
            throw new java.io.IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        shutdownGroups();
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** Answers an error with the JSON body and closes the connection once it is written. */
    private void fail(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        writeAndClose(ctx, response(status, errorBody.apply(message).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static FullHttpResponse response(HttpResponseStatus status, byte[] json) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(json));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        return r;
    }

    /** Written from the pipeline's tail, so it passes the HTTP encoder whichever handler answers. */
    private static void writeAndClose(ChannelHandlerContext ctx, FullHttpResponse r) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * A clock per request, from its first byte (before the codec: a client that stalls inside its headers
     * produces no request object) to its last (after the codec); past the read limit the client gets 408
     * and is disconnected. Also closes keep-alive connections idle for {@value #IDLE_SECONDS} s.
     */
    private final class RequestClock {
        private ScheduledFuture<?> timer;

        final io.netty.channel.ChannelInboundHandlerAdapter start = new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (timer == null) {
                    timer = ctx.executor().schedule(() -> {
                        Logger.info("HTTP client {} did not send its request within {}; disconnecting",
                            ctx.channel().remoteAddress(), readLimit);
                        fail(ctx, HttpResponseStatus.REQUEST_TIMEOUT,
                            "the request did not arrive within " + readLimit.toSeconds() + " s");
                    }, readLimit.toMillis(), TimeUnit.MILLISECONDS);
                }
                super.channelRead(ctx, msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof IdleStateEvent) {
                    ctx.close();
                    return;
                }
                super.userEventTriggered(ctx, evt);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                stopTimer();
                super.channelInactive(ctx);
            }
        };

        final io.netty.channel.ChannelInboundHandlerAdapter stop = new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (msg instanceof LastHttpContent || msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                    stopTimer();
                }
                super.channelRead(ctx, msg);
            }
        };

        private void stopTimer() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /** Netty's aggregator, answering an oversized body or a refused {@code Expect} with the JSON error. */
    private final class Aggregator extends HttpObjectAggregator {
        Aggregator(int maxContentLength) {
            super(maxContentLength, true);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            fail(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than " + maxBody + " bytes");
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            Object r = super.newContinueResponse(start, maxContentLength, pipeline);
            if (r instanceof FullHttpResponse refused && refused.status().code() != 100) {
                refused.release();
                String why = refused.status().code() == 413 ? "body larger than " + maxBody + " bytes"
                    : "expectation '" + Untrusted.escape(start.headers().get(HttpHeaderNames.EXPECT)) + "' not supported";
                return response(refused.status(), errorBody.apply(why).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return r;
        }
    }

    private final class ApiHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            DecoderResult decoded = msg.decoderResult();
            if (decoded.isFailure()) {
                Throwable cause = decoded.cause();
                HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
                String what = cause != null && cause.getMessage() != null ? cause.getMessage() : "undecodable";
                Logger.info("HTTP malformed request from {}: {}", ctx.channel().remoteAddress(), Untrusted.escape(what));
                fail(ctx, status, "malformed HTTP request: " + what);
                return;
            }
            if (!(msg instanceof FullHttpRequest req)) {
                return; // the aggregator passes only whole requests (or failures, above)
            }
            if (!req.protocolVersion().equals(HttpVersion.HTTP_1_1) && !req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                fail(ctx, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version '"
                    + Untrusted.escape(req.protocolVersion().text()) + "' is not supported; use HTTP/1.1");
                return;
            }
            HttpRequestData data = toData(ctx, req);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            // one request at a time per connection: answers of pipelined requests stay in order (RFC 9112 §9.3.2)
            ctx.channel().config().setAutoRead(false);
            try {
                workers.execute(() -> {
                    HttpReply reply;
                    try {
                        reply = handler.handle(data);
                    } catch (RuntimeException e) {
                        Logger.error(e, "HTTP {} {} failed", data.method(), Untrusted.escape(data.rawPath()));
                        reply = HttpReply.json(500, errorBody.apply("internal error").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                    if (reply.stream() != null) {
                        stream(ctx, reply);
                        return;
                    }
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
                    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
                    reply.headers().forEach((k, v) -> r.headers().set(k, v));
                    if (keepAlive) {
                        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                        ctx.channel().writeAndFlush(r).addListener(f -> {
                            ctx.channel().config().setAutoRead(true);
                            ctx.read();
                        });
                    } else {
                        writeAndClose(ctx, r);
                    }
                });
            } catch (RejectedExecutionException e) {
                fail(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "the API is overloaded; try again later");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Logger.debug("HTTP connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /**
     * Writes the headers of an event stream, then hands the stream a sink writing chunks on this connection until the
     * client goes; the connection serves nothing else.
     */
    private static void stream(ChannelHandlerContext ctx, HttpReply reply) {
        io.netty.handler.codec.http.DefaultHttpResponse head = new io.netty.handler.codec.http.DefaultHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()));
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        reply.headers().forEach((k, v) -> head.headers().set(k, v));
        HttpUtil.setTransferEncodingChunked(head, true);
        io.netty.channel.Channel ch = ctx.channel();
        ch.writeAndFlush(head);
        EventStream.Sink sink = new EventStream.Sink() {
            @Override
            public boolean send(String event, String id, String data) {
                StringBuilder b = new StringBuilder();
                b.append("event: ").append(event.replaceAll("[\\r\\n]", "")).append('\n');
                if (id != null) {
                    b.append("id: ").append(id.replaceAll("[\\r\\n]", "")).append('\n');
                }
                for (String line : data.split("\n", -1)) { // a data line per line (the format's rule)
                    b.append("data: ").append(line.replace("\r", "")).append('\n');
                }
                return write(b.append('\n').toString());
            }

            @Override
            public boolean comment(String text) {
                return write(": " + text.replaceAll("[\\r\\n]", " ") + "\n\n");
            }

            private boolean write(String text) {
                if (!ch.isActive()) {
                    return false;
                }
                ch.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                    Unpooled.copiedBuffer(text, java.nio.charset.StandardCharsets.UTF_8)));
                return true;
            }
        };
        AutoCloseable handle;
        try {
            handle = reply.stream().open(sink);
        } catch (RuntimeException e) {
            Logger.error(e, "opening an event stream failed");
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> {
            try {
                handle.close();
            } catch (Exception e) {
                Logger.debug("closing an event stream: {}", e.toString());
            }
        });
    }

    private static HttpRequestData toData(ChannelHandlerContext ctx, FullHttpRequest req) {
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? null : uri.substring(q + 1);
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + "," + b));
        ByteBuf content = req.content();
        byte[] body = ByteBufUtil.getBytes(content);
        Optional<X509Certificate> peer = Optional.empty();
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null) {
            try {
                Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
                    peer = Optional.of(x);
                }
            } catch (SSLPeerUnverifiedException e) {
                // no client certificate: the bearer token decides
            }
        }
        return new HttpRequestData(req.method().name(), path, query, headers, body,
            (InetSocketAddress) ctx.channel().remoteAddress(), peer);
    }
}
