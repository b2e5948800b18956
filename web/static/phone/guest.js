// A conference guest's page: the browser phone module (phone.js) with the room's one-room login the
// server put on #conference-guest, dialling the room once the WebSocket is up. No registration: the
// login may only call its room (its endpoint's context), and calls still authenticate.
// A room with video (SFU) gets the camera and one <video> tile per other participant who sends one.
import { createPhone, loopbackOnly, playRemote } from './phone.js';

const root = document.getElementById('conference-guest');
const status = document.getElementById('guest-status');
const hangup = document.getElementById('guest-hangup');
const cameraButton = document.getElementById('guest-camera');
const videos = document.getElementById('guest-videos');
const state = window.guestState = { state: 'connecting', callId: null, cause: null, camera: false, videos: 0 };
const data = root.dataset;
const withVideo = data.video === 'yes';

function setState(name, cause) {
  state.state = name;
  if (cause) state.cause = cause;
  status.dataset.state = name;
  status.textContent = status.dataset[`text${name[0].toUpperCase()}${name.slice(1)}`] || name;
  hangup.hidden = !['calling', 'in-room'].includes(name);
  if (cameraButton) cameraButton.hidden = !(withVideo && name === 'in-room');
}

function setCamera(on) {
  state.camera = on;
  cameraButton.setAttribute('aria-pressed', on ? 'true' : 'false');
  cameraButton.textContent = on ? cameraButton.dataset.textOff : cameraButton.dataset.textOn;
}

// One muted, autoplaying tile per remote video track; gone when its participant leaves (the track ends
// when Asterisk removes the stream, or goes mute when it stops sending).
function addTile(track, stream) {
  const tile = document.createElement('video');
  tile.autoplay = true;
  tile.muted = true;             // the room's audio plays once, through the call's <audio>
  tile.playsInline = true;
  tile.srcObject = stream;
  tile.dataset.track = track.id;
  videos.append(tile);
  state.videos = videos.children.length;
  track.addEventListener('ended', () => { tile.remove(); state.videos = videos.children.length; });
}

const sdpFilter = new URLSearchParams(location.search).get('loopback') ? loopbackOnly : null;
const phone = window.guestPhone = createPhone({
  uri: `sip:${data.sipUsername}@${data.sipDomain}`, username: data.sipUsername, password: data.sipPassword,
  ws_url: data.wsUrl, display_name: data.displayName, ice_servers: [],
}, { register: false, sdpFilter, video: withVideo });

phone.on('connected', () => {
  if (state.callId !== null) return;   // back on the network: the call is still up or has ended
  state.callId = phone.call(data.roomNumber);
  setState('calling');
});
phone.on('confirmed', () => { setState('in-room'); if (withVideo) setCamera(true); });
phone.on('track', (event) => playRemote(event.stream));
phone.on('video', (event) => addTile(event.track, event.stream));
phone.on('camera', (event) => setCamera(event.on));
phone.on('ended', (event) => {
  if (videos) videos.replaceChildren();
  setState('left', event.cause || 'ended');
});
hangup.addEventListener('click', () => state.callId !== null && phone.hangup(state.callId));
if (cameraButton) {
  cameraButton.addEventListener('click', () => state.callId !== null && phone.camera(state.callId, !state.camera));
}
window.addEventListener('pagehide', () => phone.stop());
setState('connecting');
phone.start();
