package dev.discovery.mesos.bridge;

import dev.discovery.mesos.state.MesosState;
import dev.discovery.mesos.state.Pid;
import dev.discovery.mesos.state.StateParseException;
import dev.discovery.mesos.state.StateParser;
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

  /** {@code authorization} is a full Authorization header value, or null. */
  MesosStateClient(OkHttpClient client, String authorization) {
    this.client = client.newBuilder().followRedirects(true).followSslRedirects(true).build();
    this.authorization = authorization;
  }

  /** The state and the master it came from. */
  record Fetched(MesosState state, HttpUrl master) {}

  Fetched fetch(HttpUrl master) throws MesosUnavailableException {
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

  private Fetched fetchOnce(HttpUrl master) throws MesosUnavailableException {
    HttpUrl url = master.newBuilder().encodedPath("/master/state").build();
    Request.Builder request = new Request.Builder().url(url).header("Accept", "application/json");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try (Response response = client.newCall(request.build()).execute()) {
      HttpUrl from = response.request().url();
      if (!response.isSuccessful()) {
        throw new MesosUnavailableException("HTTP " + response.code() + " from " + from + hint(response.code()));
      }
      ResponseBody body = response.body();
      if (body == null) {
        throw new MesosUnavailableException("empty response from " + from);
      }
      try (InputStream in = body.byteStream()) {
        MesosState state = StateParser.parse(in);
        return new Fetched(state, from.newBuilder().encodedPath("/").build());
      } catch (StateParseException e) {
        throw new MesosUnavailableException(e.getMessage() + " (from " + from + ")", e);
      }
    } catch (InterruptedIOException e) {
      throw new MesosUnavailableException("timed out reading " + url + "; raise --mesos-timeout for very large"
          + " clusters", e);
    } catch (IOException e) {
      throw new MesosUnavailableException("cannot read " + url + ": " + e, e);
    }
  }

  private static String hint(int code) {
    return switch (code) {
      case 401, 403 -> ": the master requires HTTP authentication; pass --mesos-auth=user:password";
      case 503 -> ": no leading master elected yet";
      case 404 -> ": not a Mesos master (or a Mesos older than 0.25, which has no /master/state)";
      default -> "";
    };
  }
}
