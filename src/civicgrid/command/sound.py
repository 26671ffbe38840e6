"""The board's alarm sound, made here so the static file can be rebuilt and checked (no CDN)."""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path

RATE = 8000
STATIC_FILE = Path(__file__).parent / "static" / "command" / "alarm.wav"


def alarm_wav(beeps: int = 3, tone_hz: float = 880.0) -> bytes:
    """A short two-tone alarm: `beeps` beeps of 0.15 s, 0.08 s apart, 8-bit mono at 8 kHz."""
    frames = bytearray()
    for i in range(beeps):
        hz = tone_hz if i % 2 == 0 else tone_hz * 1.25
        for n in range(int(RATE * 0.15)):
            fade = min(1.0, n / 80, (RATE * 0.15 - n) / 80)  # no clicks at the edges
            frames.append(128 + int(100 * fade * math.sin(2 * math.pi * hz * n / RATE)))
        frames.extend([128] * int(RATE * 0.08))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(RATE)
        wav.writeframes(bytes(frames))
    return out.getvalue()


def write_static_file() -> Path:
    STATIC_FILE.write_bytes(alarm_wav())
    return STATIC_FILE


if __name__ == "__main__":
    print(write_static_file())
