/**
 * Sounds, made with Web Audio oscillators (no audio files to load): the alarm siren of an incoming
 * alert, the repeating chime of unread escalations, and a short tone for flash and immediate messages.
 *
 * Browsers only let a page make sound after the user has interacted with it. The alarm unlocks on the
 * first key press or click (the login is one), and says so when it cannot sound: a silent alarm must
 * never look like a working one. The state is published on <html data-alarm data-chime data-audio>.
 */

export type SoundState = 'idle' | 'ringing' | 'blocked';

interface Siren {
  osc: OscillatorNode;
  lfo: OscillatorNode;
  gain: GainNode;
}

export class Alarm {
  #ctx: AudioContext | undefined;
  #siren: Siren | undefined;
  #wantSiren = false;
  #wantChime = false;
  #chimeTimer: ReturnType<typeof setInterval> | undefined;
  readonly #onChange: () => void;
  readonly #unlock = () => {
    const ctx = this.#context();
    if (ctx && ctx.state !== 'running') void ctx.resume().catch(() => undefined);
  };

  constructor(onChange: () => void) {
    this.#onChange = onChange;
    window.addEventListener('pointerdown', this.#unlock, true);
    window.addEventListener('keydown', this.#unlock, true);
    // Find out now, not when an alert comes in, whether the browser lets this page make sound.
    this.#context();
    this.#publish();
  }

  /** The page may make sound now (false: the browser waits for a click or key press first). */
  get armed(): boolean {
    return this.#ctx === undefined ? typeof AudioContext === 'undefined' : this.#ctx.state === 'running';
  }

  /** Stops every sound and forgets the page's listeners (logout). */
  dispose(): void {
    this.setSiren(false);
    this.setChime(false);
    window.removeEventListener('pointerdown', this.#unlock, true);
    window.removeEventListener('keydown', this.#unlock, true);
    void this.#ctx?.close().catch(() => undefined);
    this.#ctx = undefined;
    delete document.documentElement.dataset.alarm;
    delete document.documentElement.dataset.chime;
    delete document.documentElement.dataset.audio;
  }

  /** The audio context, created on first need; undefined where the browser has no Web Audio. */
  #context(): AudioContext | undefined {
    if (this.#ctx) return this.#ctx;
    if (typeof AudioContext === 'undefined') return undefined;
    const ctx = new AudioContext();
    ctx.addEventListener('statechange', () => {
      this.#publish();
      this.#onChange();
    });
    this.#ctx = ctx;
    return ctx;
  }

  /** Whether the browser holds the sound back until the user interacts with the page. */
  get blocked(): boolean {
    return (this.#wantSiren || this.#wantChime) && this.#ctx?.state !== 'running';
  }

  /** The siren: 'ringing' only while an oscillator is actually playing into a running context. */
  get sirenState(): SoundState {
    if (!this.#wantSiren) return 'idle';
    return this.#siren && this.#ctx?.state === 'running' ? 'ringing' : 'blocked';
  }

  get chimeState(): SoundState {
    if (!this.#wantChime) return 'idle';
    return this.#chimeTimer && this.#ctx?.state === 'running' ? 'ringing' : 'blocked';
  }

  /** Starts or stops the siren; idempotent. */
  setSiren(on: boolean): void {
    if (on === this.#wantSiren && (!on || this.#siren)) return;
    this.#wantSiren = on;
    if (on) {
      const ctx = this.#context();
      if (ctx) {
        if (ctx.state !== 'running') void ctx.resume().catch(() => undefined);
        // A two-tone wail: a sawtooth swept between ~560 and ~1000 Hz by a slow square wave.
        const gain = ctx.createGain();
        gain.gain.value = 0.22;
        gain.connect(ctx.destination);
        const osc = ctx.createOscillator();
        osc.type = 'sawtooth';
        osc.frequency.value = 780;
        osc.connect(gain);
        const lfo = ctx.createOscillator();
        lfo.type = 'square';
        lfo.frequency.value = 1.6;
        const depth = ctx.createGain();
        depth.gain.value = 220;
        lfo.connect(depth);
        depth.connect(osc.frequency);
        osc.start();
        lfo.start();
        this.#siren = { osc, lfo, gain };
      }
    } else if (this.#siren) {
      const { osc, lfo, gain } = this.#siren;
      this.#siren = undefined;
      osc.stop();
      lfo.stop();
      gain.disconnect();
    }
    this.#publish();
  }

  /** Starts or stops the repeating escalation chime; idempotent. */
  setChime(on: boolean): void {
    if (on === this.#wantChime) return;
    this.#wantChime = on;
    if (on) {
      this.#chime();
      this.#chimeTimer = setInterval(() => this.#chime(), 4000);
    } else {
      clearInterval(this.#chimeTimer);
      this.#chimeTimer = undefined;
    }
    this.#publish();
  }

  /** One short tone: a flash or immediate message arrived. */
  beep(): void {
    this.#tones([988, 988, 988], 0.12);
  }

  /** A short rising tone: the other post acknowledged our alert. */
  ackTone(): void {
    this.#tones([523, 784], 0.15);
  }

  #chime(): void {
    this.#tones([660, 880, 1320], 0.2);
  }

  #tones(freqs: number[], length: number): void {
    const ctx = this.#context();
    if (!ctx) return;
    if (ctx.state !== 'running') {
      void ctx.resume().catch(() => undefined);
      return;
    }
    let t = ctx.currentTime + 0.02;
    for (const f of freqs) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'triangle';
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.35, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + length + 0.02);
      t += length + 0.05;
    }
  }

  #publish(): void {
    const root = document.documentElement;
    root.dataset.alarm = this.sirenState;
    root.dataset.chime = this.chimeState;
    root.dataset.audio = this.#ctx?.state ?? 'unused';
  }
}
