// The page's link to the API: an EventSource on /v1/stream, opened with a short-lived
// stream ticket (POST /v1/stream-tickets with the key in a header), so the key itself never
// sits in a URL, where logs and proxies would keep it. Every (re)connection asks for a
// fresh ticket: a ticket opens one stream for a minute, so EventSource's own reconnection
// (same URL, same ticket) is not used. The server ends a stream after its longest time
// with a `renew` event: reconnect at once. A refused key stops the page (it says why).

const RETRY_MS = 2000;
const MAX_RETRY_MS = 10000;

/** Connects and stays connected. `ticket()` resolves to the fetch Response of
 *  POST /v1/stream-tickets (made with the key); `streamUrl(ticket)` is the stream's URL;
 *  `onFigures(text)` per figures event, `onState(state, detail)` with
 *  'open' | 'reconnecting' | 'problem' | 'refused'. */
export function connect({ ticket, streamUrl, onFigures, onState }) {
  let failures = 0;

  async function open() {
    let response;
    try {
      response = await ticket();
    } catch {
      retry();  // the API is unreachable (restarting, the network)
      return;
    }
    if ([400, 401, 403].includes(response.status)) {
      onState('refused', response.status);
      return;
    }
    let granted;
    try {
      granted = response.ok ? await response.json() : null;
    } catch {
      granted = null;
    }
    if (!granted) {
      retry();
      return;
    }
    listen(granted.ticket);
  }

  function listen(opened) {
    const source = new EventSource(streamUrl(opened));
    source.addEventListener('open', () => onState('open'));
    source.addEventListener('figures', (event) => {
      failures = 0;
      onFigures(event.data);
    });
    source.addEventListener('problem', () => onState('problem'));
    source.addEventListener('renew', () => {
      source.close();
      open();
    });
    source.addEventListener('error', () => {
      // Lost, refused (the ticket expired meanwhile, a limit) or ended by the API's stop:
      // never EventSource's own retry with this ticket.
      source.close();
      retry();
    });
  }

  function retry() {
    onState('reconnecting');
    const delay = Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** Math.min(failures, 4));
    failures += 1;
    setTimeout(open, delay);
  }

  open();
}
