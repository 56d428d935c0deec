#!/usr/bin/python3
"""SYNTHETIC wearable-sensor windows for the sensors example project.

No real sensor data set is packaged by the distribution or npm, so this script makes
one up. The data are NOT measurements: they are simulated from a simple physical model
of a single inertial sensor (3-axis accelerometer in g, 3-axis gyroscope in rad/s)
worn on the chest, sampled at 50 Hz, in windows of 100 steps (2 s), as a stand-in for
the chest IMU of data sets such as PAMAP2.

How a window is made (body frame: x up along the spine, y to the left, z forward out
of the chest):
- The torso's orientation over time is roll(t), pitch(t), yaw(t): a posture (mean lean
  per activity and subject; lying on the back or either side) plus rhythmic sway at the
  activity's cadence (step or pedal frequency, its harmonics, and half of it for the
  left-right alternation of gait) plus slow drift.
- The gyroscope reads the angular rates (the time derivatives of these angles) plus
  white noise and a per-subject bias.
- The accelerometer reads the specific force: gravity (the world's "up", 1 g) turned
  into the body frame by the current orientation, plus the torso's own acceleration
  (vertical bounce at the step frequency with harmonics that make the heel-strike
  peaks, forward surge, lateral sway at half the step frequency, road vibration when
  cycling), plus white noise and a per-subject bias.
- Each subject has its own cadence factor, movement amplitude, posture offsets and a
  small sensor misalignment; each window has its own phase, jitter and noise.

Subjects 1..16 are the training set, 17..22 the held-out validation set. The same seed
gives the same bytes.

usage: gen-data.py OUTDIR [--seed N] [--windows N]
writes OUTDIR/x.npy (N, 100, 6) float32, y.npy (N,) int64, subject.npy (N,) int64,
val-x.npy, val-y.npy, val-subject.npy, classes.txt, channels.txt
"""
import argparse
import os

import numpy as np

FS = 50.0
T = 100
CLASSES = ["sitting", "standing", "lying", "walking", "running", "stairs", "cycling"]
CHANNELS = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
TRAIN_SUBJECTS = range(1, 17)
VAL_SUBJECTS = range(17, 23)
DEG = np.pi / 180

# Per activity: cadence in Hz (step or pedal frequency; 0 for postures), mean pitch
# (forward lean, degrees), its spread between windows, and movement amplitudes:
# bounce (vertical, g), surge (forward, g), sway (lateral, g), angular sway of pitch,
# roll and yaw (degrees), vibration noise (g).
ACT = {
    "sitting":  dict(f=0.0, pitch=-18, pspread=6, bounce=0, surge=0, sway=0,
                     ap=0.5, ar=0.5, ay=0.5, vib=0.004),
    "standing": dict(f=0.0, pitch=2, pspread=3, bounce=0, surge=0, sway=0,
                     ap=1.0, ar=1.0, ay=1.0, vib=0.004),
    "lying":    dict(f=0.0, pitch=-90, pspread=8, bounce=0, surge=0, sway=0,
                     ap=0.3, ar=0.3, ay=0.3, vib=0.003),
    "walking":  dict(f=1.85, pitch=4, pspread=3, bounce=0.30, surge=0.15, sway=0.10,
                     ap=2.0, ar=3.0, ay=5.0, vib=0.02),
    "running":  dict(f=2.75, pitch=10, pspread=4, bounce=0.95, surge=0.35, sway=0.22,
                     ap=4.0, ar=5.0, ay=8.0, vib=0.05),
    "stairs":   dict(f=1.45, pitch=14, pspread=4, bounce=0.40, surge=0.22, sway=0.12,
                     ap=4.0, ar=3.0, ay=4.0, vib=0.025),
    "cycling":  dict(f=1.20, pitch=32, pspread=6, bounce=0.05, surge=0.03, sway=0.06,
                     ap=1.0, ar=4.0, ay=2.0, vib=0.06),
}


def rot(roll, pitch, yaw):
    """Rotation matrices (n, 3, 3) from body to world for angles in radians: yaw about
    the world's up axis, pitch a forward lean, roll a lean to the left."""
    n = roll.shape[0]
    cr, sr = np.cos(roll), np.sin(roll)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cy, sy = np.cos(yaw), np.sin(yaw)
    one, zero = np.ones(n), np.zeros(n)
    # body axes: x up, y left, z forward. Pitch turns x towards z (forward lean) about y,
    # roll turns x towards y about z, yaw turns y and z about x.
    rp = np.array([[cp, zero, -sp], [zero, one, zero], [sp, zero, cp]]).transpose(2, 0, 1)
    rr = np.array([[cr, -sr, zero], [sr, cr, zero], [zero, zero, one]]).transpose(2, 0, 1)
    ry = np.array([[one, zero, zero], [zero, cy, -sy], [zero, sy, cy]]).transpose(2, 0, 1)
    return ry @ rp @ rr


def subject_params(rng):
    return dict(cadence=rng.uniform(0.88, 1.12), amp=rng.uniform(0.8, 1.25),
                pitch=rng.normal(0, 3), roll=rng.normal(0, 2),
                mis=rng.normal(0, 3 * DEG, 3),
                acc_bias=rng.normal(0, 0.01, 3), gyro_bias=rng.normal(0, 0.01, 3),
                noise=rng.uniform(0.8, 1.2))


def window(rng, act, s):
    a = ACT[act]
    t = np.arange(T) / FS
    f = a["f"] * s["cadence"] * rng.uniform(0.96, 1.04)
    amp = s["amp"] * rng.uniform(0.9, 1.1)
    ph = rng.uniform(0, 2 * np.pi)
    # posture
    pitch0 = a["pitch"] + s["pitch"] + rng.normal(0, a["pspread"])
    roll0 = s["roll"] + rng.normal(0, 2)
    if act == "lying":
        side = rng.integers(3)            # on the back, the left or the right side
        roll0 += (0, 80, -80)[side] + rng.normal(0, 6)
        if side:
            pitch0 = rng.normal(-10, 8)
    # slow drift (random low-frequency wander) and breathing
    def drift(scale):
        k = rng.normal(0, scale, 3)
        return sum(k[i] * np.sin(2 * np.pi * (0.1 + 0.15 * i) * t + rng.uniform(0, 6.3))
                   for i in range(3))
    br = rng.uniform(0.2, 0.4)
    breath = np.sin(2 * np.pi * br * t + rng.uniform(0, 6.3))
    if f > 0:
        w = 2 * np.pi * f
        # gait: pitch nods at the step frequency, roll and yaw alternate at half of it
        dp = amp * a["ap"] * (np.sin(w * t + ph) + 0.3 * np.sin(2 * w * t + 2 * ph))
        dr = amp * a["ar"] * np.sin(w / 2 * t + ph / 2)
        dy = amp * a["ay"] * np.sin(w / 2 * t + ph / 2 + 0.5)
    else:
        dp = a["ap"] * (drift(1.0) + 0.5 * breath)
        dr = a["ar"] * drift(1.0)
        dy = a["ay"] * drift(1.0)
    pitch = (pitch0 + dp) * DEG
    roll = (roll0 + dr) * DEG
    yaw = (rng.uniform(-180, 180) + dy) * DEG
    R = rot(roll, pitch, yaw)
    # gyroscope: angular rates in the body frame (small-angle: the angle derivatives)
    gyro = np.stack([np.gradient(yaw, 1 / FS), np.gradient(roll, 1 / FS),
                     np.gradient(pitch, 1 / FS)], axis=1)
    # gyro axes: x (yaw about the spine), y (pitch about the left axis), z (roll about
    # the forward axis); reorder so pitch rate is gyro_y and roll rate gyro_z
    gyro = gyro[:, [0, 2, 1]]
    # gravity in the body frame: world up (x) rotated into the body
    up = np.einsum("nji,j->ni", R, np.array([1.0, 0.0, 0.0]))
    acc = up.copy()
    # the torso's own acceleration (body frame, g)
    if f > 0:
        w = 2 * np.pi * f
        # heel strikes: a peaked wave (fundamental plus in-phase harmonics)
        bounce = (np.cos(w * t + ph) + 0.45 * np.cos(2 * w * t + 2 * ph)
                  + 0.2 * np.cos(3 * w * t + 3 * ph))
        acc[:, 0] += amp * a["bounce"] * bounce
        acc[:, 2] += amp * a["surge"] * np.sin(w * t + ph + 0.6)
        acc[:, 1] += amp * a["sway"] * np.sin(w / 2 * t + ph / 2)
    else:
        acc[:, 2] += 0.01 * breath
    mis = rot(*(np.full(1, m) for m in s["mis"]))[0]
    acc = acc @ mis
    gyro = gyro @ mis
    acc += s["acc_bias"] + rng.normal(0, a["vib"] * s["noise"], acc.shape)
    acc += rng.normal(0, 0.008, acc.shape)
    gyro += s["gyro_bias"] + rng.normal(0, 0.02 * s["noise"], gyro.shape)
    return np.concatenate([acc, gyro], axis=1).astype(np.float32)


def make(rng, subjects, per):
    xs, ys, ss = [], [], []
    for sub in subjects:
        s = subject_params(rng)
        for k, act in enumerate(CLASSES):
            for _ in range(per):
                xs.append(window(rng, act, s))
                ys.append(k)
                ss.append(sub)
    return (np.stack(xs), np.array(ys, dtype=np.int64), np.array(ss, dtype=np.int64))


def main():
    ap = argparse.ArgumentParser(description="synthetic chest-IMU windows (not real data)")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--windows", type=int, default=24, help="per subject and activity")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    for prefix, subjects in (("", TRAIN_SUBJECTS), ("val-", VAL_SUBJECTS)):
        x, y, s = make(rng, subjects, a.windows)
        np.save(os.path.join(a.outdir, prefix + "x.npy"), x)
        np.save(os.path.join(a.outdir, prefix + "y.npy"), y)
        np.save(os.path.join(a.outdir, prefix + "subject.npy"), s)
    with open(os.path.join(a.outdir, "classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    with open(os.path.join(a.outdir, "channels.txt"), "w") as f:
        f.write("\n".join(CHANNELS) + "\n")


if __name__ == "__main__":
    main()
