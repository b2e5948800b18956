// A conference guest's page: the browser phone module (phone.js) with the room's one-room login the
// server put on #conference-guest, dialling the room once the WebSocket is up. No registration: the
// login may only call its room (its endpoint's context), and calls still authenticate.
import { createPhone, loopbackOnly, playRemote } from './phone.js';

const root = document.getElementById('conference-guest');
const status = document.getElementById('guest-status');
const hangup = document.getElementById('guest-hangup');
const state = window.guestState = { state: 'connecting', callId: null, cause: null };
const data = root.dataset;

function setState(name, cause) {
  state.state = name;
  if (cause) state.cause = cause;
  status.dataset.state = name;
  status.textContent = status.dataset[`text${name[0].toUpperCase()}${name.slice(1)}`] || name;
  hangup.hidden = !['calling', 'in-room'].includes(name);
}

const sdpFilter = new URLSearchParams(location.search).get('loopback') ? loopbackOnly : null;
const phone = window.guestPhone = createPhone({
  uri: `sip:${data.sipUsername}@${data.sipDomain}`, username: data.sipUsername, password: data.sipPassword,
  ws_url: data.wsUrl, display_name: data.displayName, ice_servers: [],
}, { register: false, sdpFilter });

phone.on('connected', () => {
  if (state.callId !== null) return;   // back on the network: the call is still up or has ended
  state.callId = phone.call(data.roomNumber);
  setState('calling');
});
phone.on('confirmed', () => setState('in-room'));
phone.on('track', (event) => playRemote(event.stream));
phone.on('ended', (event) => setState('left', event.cause || 'ended'));
hangup.addEventListener('click', () => state.callId !== null && phone.hangup(state.callId));
window.addEventListener('pagehide', () => phone.stop());
setState('connecting');
phone.start();
