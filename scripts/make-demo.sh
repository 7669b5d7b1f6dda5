#!/usr/bin/env bash
# Regenerates the two demo clips in demo/ (committed; run only to change them). Needs ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/../demo"
common=(-hide_banner -loglevel error -y)
# An H.264/AAC MP4 with the moov box first (faststart), as browsers start it fastest.
ffmpeg "${common[@]}" -f lavfi -i "testsrc2=size=640x360:rate=30" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -c:v libx264 -profile:v high -pix_fmt yuv420p -crf 30 -preset slow -g 60 \
  -c:a aac -b:a 64k -movflags +faststart -t 12 "Test pattern (H.264).mp4"
# A VP9/Opus WebM.
ffmpeg "${common[@]}" -f lavfi -i "mandelbrot=size=640x360:rate=30" -f lavfi -i "sine=frequency=330:sample_rate=48000" \
  -c:v libvpx-vp9 -b:v 500k -deadline good -cpu-used 4 -g 60 -pix_fmt yuv420p \
  -c:a libopus -b:a 64k -t 12 "Mandelbrot zoom (VP9).webm"
ls -l
