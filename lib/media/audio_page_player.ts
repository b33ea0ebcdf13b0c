/**
 * The player of one speaker in the call page (see audio_page.ts, which
 * documents the jitter buffer): a `Speaker` class in plain browser
 * JavaScript, inserted into the page's sound script, plus `tap()`, the
 * bench's view of what reaches the output. It uses the script's `ctx`,
 * `master`, `prefs` and constants.
 *
 * @module
 */

/** Browser JavaScript: `class Speaker` and `function tap` of the page's sound script. */
export const SPEAKER_SCRIPT: string = `
class Speaker {
  constructor(id) {
    const c = audioCtx();
    this.id = id;
    this.gain = c.createGain();
    this.analyser = c.createAnalyser();
    this.analyser.fftSize = 8192;
    this.analyser.smoothingTimeConstant = 0.3;
    this.gain.connect(this.analyser);
    this.analyser.connect(master);
    this.heard = false;
    this.base = 0;
    this.baseSeq = 0;
    this.lastSeq = 0;
    this.lastTs = 0;
    this.lastArrival = 0;
    this.jitter = 0;
    this.delay = START_DELAY;
    this.calm = 0;
    this.lastEnd = 0;
    this.played = 0;
    this.underruns = 0;
    this.late = 0;
    this.skipped = 0;
    this.concealed = 0;
    this.lastPcm = null;
    this.fills = new Map();
    this.decodeErrors = 0;
    this.slots = [];
    this.decoder = null;
    this.applyPrefs();
  }

  applyPrefs() {
    const p = prefs.get(this.id) || { volume: 1, muted: false };
    this.gain.gain.value = p.muted ? 0 : p.volume;
  }

  ensureDecoder() {
    if (this.decoder && this.decoder.state === "configured") return true;
    this.slots = [];
    try {
      this.decoder = new AudioDecoder({
        output: (d) => this.play(d),
        error: () => { this.decodeErrors++; this.decoder = null; },
      });
      this.decoder.configure({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 });
      return true;
    } catch {
      this.decoder = null;
      return false;
    }
  }

  jitterTarget() {
    return Math.min(MAX_DELAY, Math.max(MIN_DELAY, 2.5 * this.jitter / 1000));
  }

  push(seq, ts, data) {
    if (ctx.state !== "running") {
      // No sound until the user clicks (autoplay rules): nothing to place; start afresh later.
      this.heard = false;
      return;
    }
    const now = ctx.currentTime;
    const arrival = performance.now();
    const seqGap = (seq - this.lastSeq) | 0;
    const tsGap = (ts - this.lastTs) | 0;
    if (this.heard && seqGap > 0) {
      const d = (arrival - this.lastArrival) - tsGap;
      this.jitter += (Math.abs(d) - this.jitter) / 16;
    }
    // A new talk spurt: the sender's clock moved on far more than its packets (it was muted).
    const spurt = !this.heard || seqGap > 50 || seqGap < -50 || tsGap > seqGap * 20 + 400;
    if (spurt) {
      this.restart(seq, now + this.delay);
    } else if (seqGap > 0) {
      const at = this.slot(seq);
      if (at < now + MARGIN) {
        // The newest packet came after its slot: the output ran dry.
        this.underruns++;
        this.calm = 0;
        this.delay = Math.min(MAX_DELAY, this.delay + FRAME / 2);
        this.restart(seq, now + this.delay);
      }
    }
    if (seqGap > 0 || spurt) {
      this.lastSeq = seq;
      this.lastTs = ts;
      this.lastArrival = arrival;
    }
    this.heard = true;
    const at = this.slot(seq);
    if (at < now + MARGIN) { this.late++; return; }
    if (++this.calm >= CALM_PACKETS) {
      this.calm = 0;
      this.delay = Math.max(this.jitterTarget(), this.delay - FRAME / 2);
    }
    if (seqGap > 0 && at - now > this.delay + 2 * FRAME) {
      // More buffered than needed: drop this frame and play the rest one frame earlier.
      this.base -= FRAME;
      this.skipped++;
      return;
    }
    if (!this.ensureDecoder()) return;
    this.slots.push(at);
    this.decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: Math.round(at * 1e6), data }));
  }

  slot(seq) {
    return this.base + ((seq - this.baseSeq) | 0) * FRAME;
  }

  restart(seq, at) {
    this.base = at;
    this.baseSeq = seq;
  }

  play(d) {
    const at = this.slots.shift();
    try {
      if (at === undefined || at < ctx.currentTime) { this.late++; return; }
      const n = d.numberOfFrames;
      const pcm = new Float32Array(n);
      d.copyTo(pcm, { planeIndex: 0, format: "f32-planar" });
      this.unconceal(at);
      this.conceal(at);
      this.schedule(pcm, at);
      this.played++;
      tap(this.id, at, pcm);
      this.lastPcm = pcm;
      this.lastEnd = Math.max(this.lastEnd, at + n / d.sampleRate);
    } finally {
      d.close();
    }
  }

  schedule(pcm, at) {
    const buf = ctx.createBuffer(1, pcm.length, 48000);
    buf.copyToChannel(pcm, 0);
    const src = ctx.createBufferSource();
    src.buffer = buf;
    src.connect(this.gain);
    src.start(at);
    return src;
  }

  // A late packet reached a slot that was concealed: its own sound replaces the fill.
  unconceal(at) {
    const key = Math.round(at * 1000);
    const fill = this.fills.get(key);
    if (!fill) return;
    this.fills.delete(key);
    try { fill.stop(); } catch {}
    this.concealed--;
  }

  // One or two frames missing just before at, still in the future: fill them with the
  // last frame fading out, softer than a hole of silence.
  conceal(at) {
    const gap = at - this.lastEnd;
    if (!this.lastPcm || gap < FRAME * 0.75 || gap > FRAME * 2.25) return;
    if (this.lastEnd < ctx.currentTime + MARGIN) return;
    for (const k of this.fills.keys()) if (k < ctx.currentTime * 1000) this.fills.delete(k);
    const frames = Math.round(gap / FRAME);
    const n = this.lastPcm.length;
    for (let f = 0; f < frames; f++) {
      const pcm = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        pcm[i] = this.lastPcm[i] * (1 - (f * n + i) / (frames * n));
      }
      const when = this.lastEnd + f * FRAME;
      this.fills.set(Math.round(when * 1000), this.schedule(pcm, when));
      this.concealed++;
    }
  }

  depthMs() {
    return Math.max(0, (this.lastEnd - ctx.currentTime) * 1000);
  }

  level() {
    const a = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(a);
    let sum = 0;
    for (const x of a) sum += x * x;
    return Math.sqrt(sum / a.length);
  }

  peakFrequency() {
    const bins = new Float32Array(this.analyser.frequencyBinCount);
    this.analyser.getFloatFrequencyData(bins);
    const hz = ctx.sampleRate / this.analyser.fftSize;
    let best = -1;
    for (let i = Math.ceil(60 / hz); i < bins.length; i++) {
      if (best < 0 || bins[i] > bins[best]) best = i;
    }
    return best < 0 || bins[best] < -90 ? 0 : best * hz;
  }

  close() {
    try { this.decoder && this.decoder.close(); } catch {}
    try { this.analyser.disconnect(); this.gain.disconnect(); } catch {}
  }
}

// The bench's ear: when each frame reaches the output (wall-clock ms) and how loud it is.
function tap(id, at, pcm) {
  const onPlay = window.pc3Audio && window.pc3Audio.onPlay;
  if (!onPlay) return;
  let e = 0;
  for (const x of pcm) e += x * x;
  // contextTime is the frame the output renders at performanceTime (latency included).
  const o = ctx.getOutputTimestamp();
  const wall = performance.timeOrigin + o.performanceTime + (at - o.contextTime) * 1000;
  onPlay(id, wall, Math.sqrt(e / pcm.length));
}

`;
