// The panel's phone window: wires web/static/phone/phone.js to the buttons of panel/phone.html.
// It lives in its own window (decision 026), so panel navigation never tears the call down.
import { createPhone, loopbackOnly, playRemote } from './phone.js';

const root = document.getElementById('phone');
const text = JSON.parse(document.getElementById('phone-text').textContent);
const $ = (id) => document.getElementById(id);
const csrf = document.querySelector('meta[name=csrf-token]').content;

// What tests (and a curious person with devtools) read: registration, calls, events.
const state = window.phoneState = { registered: false, calls: {}, events: [], error: null };
const log = (message) => { state.events.push(message); };
const audios = new Map();
let phone = null;
let current = null;      // the call the buttons act on
let speaker = '';
let ringer = null;

function setStatus(key) {
  $('phone-status').textContent = text[key] || key;
  $('phone-status').dataset.state = key;
}

function render() {
  const list = $('phone-calls');
  list.replaceChildren();
  for (const [id, call] of Object.entries(state.calls)) {
    const li = document.createElement('li');
    li.dataset.call = id;
    li.dataset.state = call.state;
    li.textContent = `${call.peer} · ${text[call.state] || call.state}${call.held ? ' · ' + text.held : ''}` +
      `${call.muted ? ' · ' + text.muted : ''}`;
    if (Number(id) === current) li.setAttribute('aria-current', 'true');
    li.addEventListener('click', () => { current = Number(id); render(); });
    list.append(li);
  }
  const call = current && state.calls[current];
  const ringing = call && call.state === 'incoming';
  $('phone-answer').hidden = !ringing;
  $('phone-reject').hidden = !ringing;
  $('phone-hangup').disabled = !call;
  for (const id of ['phone-hold', 'phone-mute', 'phone-transfer', 'phone-attended']) {
    $(id).disabled = !call || call.state !== 'confirmed';
  }
  $('phone-camera').hidden = !call || call.camera === undefined;
  $('phone-camera').textContent = call && call.camera === false ? text.camera_on : text.camera_off;
  $('phone-camera').setAttribute('aria-pressed', call && call.camera ? 'true' : 'false');
  $('phone-hold').textContent = call && call.held ? text.resume : text.hold;
  $('phone-mute').textContent = call && call.muted ? text.unmute : text.mute;
}

function ring(on) {
  if (on && !ringer) {
    // A two-tone ring made in the page (no audio file to fetch): 440+480 Hz, 2 s on, 4 s off.
    const ctx = new AudioContext();
    const gain = ctx.createGain();
    gain.gain.value = 0;
    for (const hz of [440, 480]) { const o = ctx.createOscillator(); o.frequency.value = hz; o.connect(gain); o.start(); }
    gain.connect(ctx.destination);
    const tick = () => { gain.gain.setValueAtTime(0.1, ctx.currentTime); gain.gain.setValueAtTime(0, ctx.currentTime + 2); };
    tick();
    ringer = { ctx, timer: setInterval(tick, 6000) };
  } else if (!on && ringer && !Object.values(state.calls).some((c) => c.state === 'incoming')) {
    clearInterval(ringer.timer);
    ringer.ctx.close();
    ringer = null;
  }
}

function notify(call) {
  // Even when this window is in the background: the Notification API, if the person allowed it.
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const note = new Notification(text.incoming_title, { body: `${call.name} ${call.peer}`.trim(), tag: 'call' });
  note.onclick = () => { window.focus(); note.close(); };
  call.notification = note;
}

function wire() {
  phone.on('connected', () => log('connected'));
  phone.on('disconnected', () => { log('disconnected'); state.registered = false; setStatus('offline'); });
  phone.on('registered', () => { log('registered'); state.registered = true; setStatus('registered'); });
  phone.on('unregistered', () => { log('unregistered'); state.registered = false; setStatus('offline'); });
  phone.on('registrationFailed', (e) => { log(`registrationFailed ${e.cause}`); state.error = e.cause; setStatus('failed'); });
  phone.on('incoming', (e) => {
    log(`incoming ${e.id} ${e.from}`);
    const call = state.calls[e.id] = { peer: e.from, name: e.name, state: 'incoming', direction: 'in', held: false, muted: false };
    if (!current || !state.calls[current]) current = e.id;
    ring(true);
    notify(call);
    render();
  });
  for (const name of ['progress', 'accepted', 'confirmed']) {
    phone.on(name, (e) => {
      log(`${name} ${e.id}`);
      const call = state.calls[e.id];
      // JsSIP reports "progress" for a ringing incoming call too (it sent 180): still ringing here.
      if (!call || (name === 'progress' && call.direction === 'in')) return;
      call.state = name;
      // A video call: the camera button shows (phone.js found our camera's sender).
      if (name === 'confirmed' && phone.cameraTrack(e.id)) call.camera = true;
      if (call.notification) call.notification.close();
      ring(false);
      render();
    });
  }
  phone.on('ended', (e) => {
    log(`ended ${e.id} ${e.cause}`);
    const call = state.calls[e.id];
    if (call && call.notification) call.notification.close();
    delete state.calls[e.id];
    $('phone-videos').querySelectorAll(`video[data-call="${e.id}"]`).forEach((tile) => tile.remove());
    const audio = audios.get(e.id);
    if (audio) { audio.srcObject = null; audios.delete(e.id); }
    if (current === e.id) current = Number(Object.keys(state.calls)[0]) || null;
    state.lastEnded = { id: e.id, cause: e.cause, originator: e.originator };
    ring(false);
    render();
  });
  phone.on('hold', (e) => { log(`hold ${e.id} ${e.held} ${e.originator}`); if (state.calls[e.id] && e.originator === 'local') state.calls[e.id].held = e.held; render(); });
  phone.on('mute', (e) => { log(`mute ${e.id} ${e.muted}`); if (state.calls[e.id]) state.calls[e.id].muted = e.muted; render(); });
  phone.on('refer', (e) => { log(`refer ${e.id} ${e.state}`); if (e.state === 'done' && state.calls[e.id]) phone.hangup(e.id); });
  phone.on('camera', (e) => { log(`camera ${e.id} ${e.on}`); if (state.calls[e.id]) state.calls[e.id].camera = e.on; render(); });
  // One muted tile per remote camera (an SFU room); it goes when that participant's track ends.
  phone.on('video', (e) => {
    const tile = document.createElement('video');
    Object.assign(tile, { autoplay: true, muted: true, playsInline: true, srcObject: e.stream });
    tile.dataset.call = e.id;
    $('phone-videos').append(tile);
    e.track.addEventListener('ended', () => tile.remove());
  });
  phone.on('track', (e) => {
    if (audios.has(e.id)) { audios.get(e.id).srcObject = e.stream; return; }
    audios.set(e.id, playRemote(e.stream, speaker));
  });
}

function dial(number) {
  if (!number) return;
  // A second call while one is up holds the first (call waiting the other way round).
  const up = current && state.calls[current];
  if (up && up.state === 'confirmed' && !up.held) { phone.hold(current); }
  try {
    const id = phone.call(number);
    state.calls[id] = { peer: number, name: '', state: 'calling', direction: 'out', held: false, muted: false };
    current = id;
    render();
    return id;
  } catch (err) { state.error = String(err); setStatus('bad_number'); }
}

// Per-call RTP counters for the tests and the status line (RTCPeerConnection.getStats()).
window.phoneStats = async (id) => {
  const session = phone.calls.get(Number(id || current));
  if (!session || !session.connection) return null;
  const report = await session.connection.getStats();
  const out = { inbound: 0, outbound: 0, dtls: null, codec: null };
  const byId = {};
  report.forEach((x) => { byId[x.id] = x; });
  report.forEach((x) => {
    // The busiest stream of each direction (a renegotiated call can list an idle one too).
    if (x.type === 'inbound-rtp' && x.kind === 'audio' && x.packetsReceived >= out.inbound) {
      out.inbound = x.packetsReceived;
      out.codec = byId[x.codecId] ? byId[x.codecId].mimeType : out.codec;
    }
    if (x.type === 'outbound-rtp' && x.kind === 'audio') out.outbound = Math.max(out.outbound, x.packetsSent);
    if (x.type === 'transport') out.dtls = x.dtlsState;
  });
  return out;
};

// Each call's counters, refreshed while calls are up: read synchronously by tests and the call list.
state.stats = {};
setInterval(async () => {
  for (const id of Object.keys(state.calls)) {
    try { state.stats[id] = await window.phoneStats(id); } catch (err) { /* the call just ended */ }
  }
}, 250);

async function listDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return;
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, select] of [['audioinput', $('phone-mic')], ['audiooutput', $('phone-speaker')]]) {
    const chosen = select.value;
    select.replaceChildren(new Option(text.default_device, ''));
    devices.filter((d) => d.kind === kind).forEach((d, i) => select.append(new Option(d.label || `${kind} ${i + 1}`, d.deviceId)));
    select.value = chosen;
  }
}

async function start() {
  setStatus('connecting');
  const response = await fetch(root.dataset.credentialUrl, {
    method: 'POST', headers: { 'X-CSRFToken': csrf }, credentials: 'same-origin',
  });
  if (!response.ok) { state.error = `credential ${response.status}`; setStatus('failed'); return; }
  const credential = await response.json();
  $('phone-me').textContent = `${credential.display_name} · ${credential.extension}`;
  const params = new URLSearchParams(location.search);
  const sdpFilter = params.get('loopback') ? loopbackOnly : null;
  phone = window.centralinaPhone = createPhone(credential, { sdpFilter, video: $('phone-video').checked });
  wire();
  phone.start();
  render();
}

$('phone-form').addEventListener('submit', (e) => { e.preventDefault(); dial($('phone-number').value.trim()); });
$('phone-answer').addEventListener('click', () => current && phone.answer(current));
$('phone-reject').addEventListener('click', () => current && phone.reject(current));
$('phone-hangup').addEventListener('click', () => current && phone.hangup(current));
$('phone-hold').addEventListener('click', () => {
  const call = state.calls[current];
  if (call) (call.held ? phone.resume : phone.hold)(current);
});
$('phone-mute').addEventListener('click', () => { const call = state.calls[current]; if (call) phone.mute(current, !call.muted); });
$('phone-transfer').addEventListener('click', () => {
  const number = $('phone-number').value.trim();
  if (current && number) phone.transfer(current, number);
});
$('phone-attended').addEventListener('click', () => {
  // Attended: the held call (the one transferred) is joined to the current one (the consulted party).
  const held = Object.entries(state.calls).find(([id, c]) => Number(id) !== current && c.held);
  if (held && current) phone.attendedTransfer(Number(held[0]), current);
});
document.querySelectorAll('#phone-keypad button').forEach((button) => button.addEventListener('click', () => {
  const call = current && state.calls[current];
  if (call && call.state === 'confirmed') { phone.dtmf(current, button.value); log(`dtmf ${button.value}`); }
  else $('phone-number').value += button.value;
}));
$('phone-notify').addEventListener('click', () => Notification.requestPermission().then(() => { $('phone-notify').hidden = Notification.permission === 'granted'; }));
$('phone-notify').hidden = !('Notification' in window) || Notification.permission === 'granted';
$('phone-video').addEventListener('change', (e) => phone && phone.setVideo(e.target.checked));
$('phone-camera').addEventListener('click', () => {
  const call = state.calls[current];
  if (call && call.camera !== undefined) phone.camera(current, !call.camera);
});
$('phone-mic').addEventListener('change', (e) => phone && phone.setAudioInput(e.target.value));
$('phone-speaker').addEventListener('change', (e) => {
  speaker = e.target.value;
  audios.forEach((audio) => audio.setSinkId && audio.setSinkId(speaker).catch(() => {}));
});
if (navigator.mediaDevices) navigator.mediaDevices.addEventListener('devicechange', listDevices);
listDevices();
// Leaving the window: unregister so calls stop ringing a phone that is gone.
window.addEventListener('pagehide', () => phone && phone.stop());
start();
