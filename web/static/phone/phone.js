// Centralina browser phone: a small ES module around JsSIP (the global `JsSIP` from
// /static/vendor/jssip.min.js, loaded first as a classic script).
//
// Reusable: give createPhone() a credential object (the JSON of POST /panel/phone/credential or
// /api/v1/me/webrtc-credential: {uri, username, password, ws_url, display_name, ice_servers})
// and listen to its events. Nothing here touches the page: the panel's phone window
// (phone-ui.js) and any other page (a conference guest) wire their own buttons.
//
// Options: {register: false} to only dial (a guest), {registerExpires: s}, {audioInput: deviceId},
// {sdpFilter: (sdp) => sdp} to rewrite the local SDP (tests keep only 127.0.0.1 ICE candidates),
// {video: true} to send the camera and receive video (a conference room in SFU mode: Asterisk adds one
// video stream per other participant by re-INVITE; each arrives as a `video` event).
//
// Events (phone.on(name, fn); fn gets one detail object):
//   registered, unregistered, registrationFailed {cause}, connected, disconnected
//   incoming {id, from, name}            a call rings (call waiting: while another is up)
//   progress / accepted / confirmed {id}
//   ended {id, cause, originator}        hung up, rejected, failed
//   hold {id, held, originator}, mute {id, muted}
//   refer {id, target, state}            a transfer's progress: 'accepted' | 'failed' | 'done'
//   track {id, stream}                   the remote audio
//   video {id, stream, track}            a remote video (one per other participant in an SFU room);
//                                        its track ends (track.onended / 'mute') when the participant leaves
//   camera {id, on}                      our camera was turned off or on in a call

// An sdpFilter for ?loopback=1 pages (tests): offer only 127.0.0.1 ICE candidates (notes/webrtc.md section 6).
export function loopbackOnly(sdp) {
  return sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:') || / 127\.0\.0\.1 /.test(l)).join('\r\n');
}

export function createPhone(credential, options = {}) {
  if (typeof JsSIP === 'undefined') throw new Error('JsSIP is not loaded');
  const listeners = {};
  const calls = new Map();          // id -> JsSIP RTCSession
  let nextId = 1;
  const emit = (name, detail = {}) => (listeners[name] || []).forEach((fn) => {
    try { fn(detail); } catch (err) { console.error(err); }
  });
  const pcConfig = { iceServers: credential.ice_servers || [] };
  let audioInput = options.audioInput || null;   // a deviceId from enumerateDevices()

  const socket = new JsSIP.WebSocketInterface(credential.ws_url);
  const ua = new JsSIP.UA({
    sockets: [socket],
    uri: credential.uri,
    password: credential.password,
    display_name: credential.display_name || undefined,
    // A guest that only dials (a conference room) may skip registering: calls still authenticate.
    register: options.register !== false,
    session_timers: false,
    // Back on the network: reconnect within 2..30 s, then register again (JsSIP does both).
    connection_recovery_min_interval: 2,
    connection_recovery_max_interval: 30,
    register_expires: options.registerExpires || 300,
    user_agent: 'Centralina browser phone',
  });

  let video = Boolean(options.video);

  function media() {
    return { audio: audioInput ? { deviceId: { exact: audioInput } } : true, video };
  }

  function callOptions(withVideo = video) {
    return { mediaConstraints: { ...media(), video: withVideo }, pcConfig,
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: withVideo } };
  }

  // Remote audio is `track` (one per call, played by one <audio>); remote videos are `video` (many).
  function remoteTrack(id, event) {
    const stream = event.streams[0] || new MediaStream([event.track]);
    if (event.track.kind === 'video') {
      // Our camera's own m-line has a receiving side too, on which the SFU never sends: no tile for it.
      const own = event.transceiver && event.transceiver.sender.track && event.transceiver.sender.track.kind === 'video';
      if (!own) emit('video', { id, stream, track: event.track });
    }
    else emit('track', { id, stream });
  }

  function track(session) {
    const id = nextId++;
    session.centralinaId = id;
    calls.set(id, session);
    if (options.sdpFilter) {
      session.on('sdp', (event) => {
        if (event.originator === 'local') event.sdp = options.sdpFilter(event.sdp);
      });
    }
    session.on('peerconnection', (event) => {
      event.peerconnection.addEventListener('track', (t) => remoteTrack(id, t));
    });
    // An answered call (we called): the peerconnection already exists.
    if (session.connection) {
      session.connection.addEventListener('track', (t) => remoteTrack(id, t));
    }
    session.on('progress', () => emit('progress', { id }));
    session.on('accepted', () => emit('accepted', { id }));
    session.on('confirmed', () => emit('confirmed', { id }));
    const end = (originator, cause) => {
      if (!calls.delete(id)) return;
      emit('ended', { id, cause, originator });
    };
    session.on('ended', (e) => end(e.originator, e.cause));
    session.on('failed', (e) => end(e.originator, e.cause));
    session.on('hold', (e) => emit('hold', { id, held: true, originator: e.originator }));
    session.on('unhold', (e) => emit('hold', { id, held: false, originator: e.originator }));
    session.on('muted', () => emit('mute', { id, muted: true }));
    session.on('unmuted', () => emit('mute', { id, muted: false }));
    return id;
  }

  ua.on('connected', () => emit('connected'));
  ua.on('disconnected', () => emit('disconnected'));
  ua.on('registered', () => emit('registered'));
  ua.on('unregistered', () => emit('unregistered'));
  ua.on('registrationFailed', (e) => emit('registrationFailed', { cause: e.cause }));
  ua.on('newRTCSession', (e) => {
    if (e.originator !== 'remote') return;
    const id = track(e.session);
    // Answer with the camera only when the caller offered video (an answer cannot add an m-line).
    e.session.centralinaOffersVideo = /\r?\nm=video /.test(e.request.body || '');
    const from = e.request.from;
    emit('incoming', { id, from: from.uri.user, name: from.display_name || '' });
  });

  function session(id) {
    const found = calls.get(id);
    if (!found) throw new Error(`no call ${id}`);
    return found;
  }

  function target(number) {
    const digits = String(number).trim();
    // Only what a keypad can type: a number is never a place to smuggle SIP URI parameters.
    if (!/^[0-9*#+]{1,32}$/.test(digits)) throw new Error(`not a number: ${number}`);
    return `sip:${digits}@${credential.uri.split('@')[1]}`;
  }

  const phone = {
    ua,
    calls,
    on(name, fn) { (listeners[name] = listeners[name] || []).push(fn); return phone; },
    start() { ua.start(); return phone; },
    stop() { ua.stop(); },
    isRegistered() { return ua.isRegistered(); },
    setAudioInput(deviceId) { audioInput = deviceId || null; },
    // Calls placed or answered from now on send the camera and receive video (or not).
    setVideo(on) { video = Boolean(on); },
    hasVideo() { return video; },
    // Dial a number; returns the call's id.
    call(number) { return track(ua.call(target(number), callOptions())); },
    answer(id) { const s = session(id); s.answer(callOptions(video && Boolean(s.centralinaOffersVideo))); },
    // Ringing: 486 Busy Here (reject); up: BYE.
    hangup(id) {
      const s = session(id);
      if (s.isEstablished() || s.direction === 'outgoing') s.terminate();
      else s.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    },
    reject(id) { session(id).terminate({ status_code: 486, reason_phrase: 'Busy Here' }); },
    hold(id) { session(id).hold(); },
    resume(id) { session(id).unhold(); },
    isOnHold(id) { return session(id).isOnHold().local; },
    mute(id, muted = true) { const s = session(id); if (muted) s.mute({ audio: true }); else s.unmute({ audio: true }); },
    // RFC 4733 telephone-events through the RTP stream (the endpoints' dtmf_mode).
    dtmf(id, tones) {
      if (!/^[0-9*#A-D]{1,32}$/.test(tones)) throw new Error('DTMF: 0-9 * # A-D');
      session(id).sendDTMF(tones, { transportType: 'RFC2833' });
    },
    // Blind transfer: REFER the other party to `number`.
    transfer(id, number) { refer(id, target(number)); },
    // Attended transfer: REFER the first call's party to the second call's (Replaces).
    attendedTransfer(id, consultId) {
      const consult = session(consultId);
      refer(id, consult.remote_identity.uri, { replaces: consult });
    },
    localStream(id) { const pc = session(id).connection; return pc && pc.getSenders(); },
    // Our camera's track in a call (for a self view), or null.
    cameraTrack(id) {
      const s = session(id);
      return s.centralinaCamera || videoSender(s)?.track || null;
    },
    // Camera off: the video sender sends nothing (the others' tile freezes, no black frames cost
    // bandwidth); on: the same camera track again. No renegotiation either way.
    async camera(id, on) {
      const s = session(id);
      const sender = videoSender(s);
      if (!sender) throw new Error('this call has no video');
      if (!on && sender.track) s.centralinaCamera = sender.track;
      const track = on ? s.centralinaCamera : null;
      if (track) track.enabled = true;
      await sender.replaceTrack(track || null);
      if (!on && s.centralinaCamera) s.centralinaCamera.enabled = false;
      emit('camera', { id, on: Boolean(on) });
    },
  };

  function videoSender(s) {
    // Our one sending video transceiver, remembered: with the camera off its sender has no track.
    if (!s.centralinaVideoTransceiver && s.connection) {
      s.centralinaVideoTransceiver = s.connection.getTransceivers()
        .find((t) => t.sender.track && t.sender.track.kind === 'video') || null;
    }
    return s.centralinaVideoTransceiver ? s.centralinaVideoTransceiver.sender : null;
  }

  function refer(id, to, extra = {}) {
    session(id).refer(to, {
      ...extra,
      eventHandlers: {
        // 202 to the REFER: the other side will try.
        requestSucceeded: () => emit('refer', { id, state: 'accepted' }),
        requestFailed: () => emit('refer', { id, state: 'failed' }),
        failed: () => emit('refer', { id, state: 'failed' }),
        // NOTIFY sipfrag 200: the transferee reached the target; our leg is done.
        accepted: () => emit('refer', { id, state: 'done' }),
      },
    });
  }

  return phone;
}

// Remote audio is played by one <audio> per call; `sinkId` picks the speaker where the browser allows it.
export function playRemote(stream, sinkId) {
  const audio = new Audio();
  audio.autoplay = true;
  audio.srcObject = stream;
  if (sinkId && audio.setSinkId) audio.setSinkId(sinkId).catch(() => {});
  return audio;
}
