// The page's link to the API: an EventSource on /v1/stream. The browser reconnects by
// itself when the connection drops (the API restarting, the network); when the API
// answers with an error instead, EventSource gives up, so we ask why and open a new one,
// unless the key is refused.

const RETRY_MS = 2000;

/** Opens the stream at `url`; `onFigures(text)` per figures event, `onState(state, detail)`
 *  with 'open' | 'reconnecting' | 'problem' | 'refused'. `probe()` fetches the same figures
 *  with the key (to learn the status when the stream is refused). */
export function connect({ url, probe, onFigures, onState }) {
  function open() {
    const source = new EventSource(url);
    source.addEventListener('open', () => onState('open'));
    source.addEventListener('figures', (event) => onFigures(event.data));
    source.addEventListener('problem', () => onState('problem'));
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CONNECTING) {
        onState('reconnecting');
      } else {
        source.close();
        diagnose();
      }
    });
  }

  async function diagnose() {
    onState('reconnecting');
    let status = 0;
    try {
      status = (await probe()).status;
    } catch {
      // unreachable: retry below
    }
    if ([400, 401, 403].includes(status)) {
      onState('refused', status);
    } else {
      setTimeout(open, RETRY_MS);
    }
  }

  open();
}
