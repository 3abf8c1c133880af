// The socket under the sharedb Connection: reconnecting-websocket as the wire notes (section 1) advise, never
// buffering while down (sharedb assumes messages sent then are lost and resends what matters itself), with jittered
// exponential backoff so that a restarted server is not hit by every page at the same instant.
import ReconnectingWebSocket from 'reconnecting-websocket';

/**
 * Options whose delays are drawn afresh on every attempt: reconnecting-websocket waits
 * min * factor^(attempt - 1), capped at max, and reads both from these getters each time.
 */
export function backoffOptions({baseMs = 400, maxMs = 15000, factor = 2} = {}) {
  return {
    maxEnqueuedMessages: 0,
    reconnectionDelayGrowFactor: factor,
    get minReconnectionDelay() {
      return baseMs * (0.5 + Math.random());
    },
    get maxReconnectionDelay() {
      return maxMs * (0.5 + Math.random() / 2);
    },
    connectionTimeout: 4000,
    minUptime: 2000,
  };
}

/** @return the ws:// or wss:// URL of the edge that served this page, with `query` (e.g. '?token=...'). */
export function socketUrl(location, query = '') {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws' + query;
}

/**
 * Open the socket, and follow the browser's own idea of the network: when it goes offline the socket is dropped at
 * once (a half-open socket could otherwise swallow edits for minutes), and when it comes back the socket reconnects
 * without waiting for the next backoff step.
 */
export function openSocket(url, target = window) {
  const socket = new ReconnectingWebSocket(url, [], backoffOptions());
  const offline = () => socket.close(4000, 'browser offline');
  const online = () => socket.reconnect();
  target.addEventListener('offline', offline);
  target.addEventListener('online', online);
  if (target.navigator && target.navigator.onLine === false) offline();
  return {
    socket,
    dispose() {
      target.removeEventListener('offline', offline);
      target.removeEventListener('online', online);
      socket.close();
    },
  };
}
