package dev.discovery.mesos.bridge;

import dev.discovery.mesos.state.MesosState;
import dev.discovery.mesos.state.Pid;
import dev.discovery.mesos.state.StateParseException;
import dev.discovery.mesos.state.StateParser;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Reads {@code /master/state} from a Mesos master, following the leader: HTTP redirects (a
 * non-leading master answers 307) and, for masters that answer instead, the state's own
 * {@code leader} pid. Every failure, including a 2xx body that is not a state, is an exception,
 * so an error can never pass for an empty cluster.
 */
final class MesosStateClient {
  private final OkHttpClient client;
  private final String authorization;
  private final long maxStateBytes;

  /**
   * {@code authorization} is a full Authorization header value, or null; a state body larger than
   * {@code maxStateBytes} (after decompression) is refused before it is read to the end.
   */
  MesosStateClient(OkHttpClient client, String authorization, long maxStateBytes) {
    this.client = client.newBuilder().followRedirects(true).followSslRedirects(true).build();
    this.authorization = authorization;
    this.maxStateBytes = maxStateBytes;
  }

  /** The state and the master it came from. */
  record Fetched(MesosState state, HttpUrl master) {}

  /**
   * Reads the leader's state, starting at {@code master}.
   *
   * @throws InterruptedException when the reading thread is interrupted (the bridge is shutting down): not a Mesos
   *     fault, so not reported as one
   */
  Fetched fetch(HttpUrl master) throws MesosUnavailableException, InterruptedException {
    Fetched first = fetchOnce(master);
    Optional<Pid> leader = Optional.ofNullable(first.state().leader()).flatMap(Pid::parse);
    if (first.state().fromLeader() || leader.isEmpty()) {
      return first;
    }
    HttpUrl leaderUrl = first.master().newBuilder().host(leader.get().host()).port(leader.get().port())
        .encodedPath("/").build();
    Fetched second = fetchOnce(leaderUrl);
    if (!second.state().fromLeader()) {
      throw new MesosUnavailableException("Mesos masters disagree about the leader: " + master
          + " names " + leader.get() + ", which names " + second.state().leader() + "; skipping this pass");
    }
    return second;
  }

  private Fetched fetchOnce(HttpUrl master) throws MesosUnavailableException, InterruptedException {
    HttpUrl url = master.newBuilder().encodedPath("/master/state").build();
    Request.Builder request = new Request.Builder().url(url).header("Accept", "application/json");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try (Response response = client.newCall(request.build()).execute()) {
      HttpUrl from = response.request().url();
      if (!response.isSuccessful()) {
        throw new MesosUnavailableException("HTTP " + response.code() + " from " + from
            + hint(response.code(), authorization != null));
      }
      ResponseBody body = response.body();
      if (body == null) {
        throw new MesosUnavailableException("empty response from " + from);
      }
      long declared = body.contentLength();
      if (declared > maxStateBytes) {
        throw tooLarge(from, declared + " bytes");
      }
      // Counted as read, since a chunked or compressed body has no (or another) length up front.
      CappedInputStream in = new CappedInputStream(body.byteStream(), maxStateBytes);
      try (in) {
        MesosState state = StateParser.parse(in);
        return new Fetched(state, from.newBuilder().encodedPath("/").build());
      } catch (StateParseException | IOException e) {
        if (in.exceeded()) {
          throw tooLarge(from, "more than " + maxStateBytes + " bytes");
        }
        if (e instanceof StateParseException) {
          throw new MesosUnavailableException(e.getMessage() + " (from " + from + ")", e);
        }
        throw (IOException) e;
      }
    } catch (InterruptedIOException e) {
      throw timedOutOrInterrupted(e, url);
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw interrupted(e);
      }
      throw new MesosUnavailableException("cannot read " + url + ": " + e, e);
    }
  }

  /**
   * Tells apart the three causes of an {@link InterruptedIOException}: a connection the master's host never
   * accepted (unreachable or filtered: a longer time-out would not help), a master that accepted but did not send
   * its state in time (a large cluster: raise --mesos-timeout), and the bridge's own shutdown interrupting the read.
   */
  private MesosUnavailableException timedOutOrInterrupted(InterruptedIOException e, HttpUrl url)
      throws InterruptedException {
    String text = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (Thread.currentThread().isInterrupted() || text.equals("interrupted")) {
      throw interrupted(e);
    }
    if (e instanceof java.net.SocketTimeoutException && text.contains("connect")) {
      return new MesosUnavailableException("the Mesos master at " + url.host() + ":" + url.port() + " did not accept"
          + " a connection within --mesos-timeout (" + e.getMessage() + "); it is unreachable from this host:"
          + " check that it runs and that no firewall drops the connection", e);
    }
    return new MesosUnavailableException("timed out reading " + url + " (connected, but the state did not arrive"
        + " within --mesos-timeout); raise --mesos-timeout for very large clusters", e);
  }

  private static InterruptedException interrupted(IOException cause) {
    Thread.currentThread().interrupt();
    InterruptedException e = new InterruptedException("reading the Mesos state was interrupted");
    e.initCause(cause);
    return e;
  }

  private MesosUnavailableException tooLarge(HttpUrl from, String size) {
    return new MesosUnavailableException("the master state from " + from + " is " + size + ", above"
        + " --mesos-max-state-size (" + maxStateBytes + " bytes); raise the limit if the cluster is really this large");
  }

  /** Reads at most {@code limit} bytes of {@code in}; one more fails the read and sets {@link #exceeded()}. */
  static final class CappedInputStream extends FilterInputStream {
    private final long limit;
    private long count;
    private boolean exceeded;

    CappedInputStream(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    boolean exceeded() {
      return exceeded;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      counted(skipped);
      return skipped;
    }

    private void counted(long n) throws IOException {
      count += n;
      if (count > limit) {
        exceeded = true;
        throw new IOException("more than " + limit + " bytes");
      }
    }
  }

  /** A hint that fits the status and whether credentials were sent: a refused --mesos-auth is not a missing one. */
  private static String hint(int code, boolean authenticated) {
    return switch (code) {
      case 401 -> authenticated ? ": the master refused the credentials of --mesos-auth; check its user and password"
          : ": the master requires HTTP authentication; pass --mesos-auth=user:password";
      case 403 -> authenticated ? ": the --mesos-auth principal may not read the master state; allow it in the"
          + " master's ACLs (view permissions)" : ": the master refuses anonymous reads of its state; pass"
          + " --mesos-auth=user:password of a principal that may view it";
      case 503 -> ": no leading master elected yet";
      case 404 -> ": not a Mesos master (or a Mesos older than 0.25, which has no /master/state)";
      default -> "";
    };
  }
}
