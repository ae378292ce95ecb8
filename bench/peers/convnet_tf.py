#!/usr/bin/env python3
"""The ConvNet reference step in TensorFlow/Keras (CPU), for comparison with `krill bench`.

Same network and step as convnet_torch.py (NHWC, TensorFlow's native layout): 64x64x1
input; conv3x3 same + ReLU + 2x2 max-pool for 32, 64, 128; conv 128 + ReLU; global
average pool; dense 64; l2 normalisation; std_triplet (margin 0.5, squared distances) on
32 triplets = 96 images per step; Adam (lr 0.001); the step compiled with tf.function.
Inference: batches of 256.

With --architecture resnet18 (or resnet34): torchvision's ResNet layout in Keras (7x7
stride-2 stem with batch norm and a 3x3 stride-2 max-pool, basic blocks of widths 64-512
with 1x1 projection shortcuts, convolutions without bias), one grey input channel, global
average pool, dense 64, l2 normalisation: the network of `krill bench --architecture`.

Prints one JSON line: framework, benchmark, size, batch, steps, threads, seconds,
images_per_second, peak_rss_bytes.
"""
import argparse
import json
import os
import resource
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "embed"])
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=None, help="triplets per step (train, default 32) or images per batch (embed, default 256)")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--architecture", default="plain", choices=["plain", "resnet18", "resnet34"])
    args = ap.parse_args()

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.random.set_seed(1)
    keras = tf.keras

    L = keras.layers
    inputs = keras.Input((args.size, args.size, 1))
    x = inputs
    if args.architecture == "plain":
        channels = (32, 64, 128, 128)
        for i, c in enumerate(channels):
            x = L.Conv2D(c, 3, padding="same", activation="relu")(x)
            if i < len(channels) - 1:
                x = L.MaxPooling2D(2)(x)
    else:
        blocks = (2, 2, 2, 2) if args.architecture == "resnet18" else (3, 4, 6, 3)
        widths = (64, 128, 256, 512)
        # PyTorch's padding 3 / 1 on the stem: explicit zero padding, then "valid".
        x = L.ZeroPadding2D(3)(x)
        x = L.ReLU()(L.BatchNormalization(epsilon=1e-5)(L.Conv2D(64, 7, 2, use_bias=False)(x)))
        x = L.MaxPooling2D(3, 2)(L.ZeroPadding2D(1)(x))
        cin = 64
        for i, (count, width) in enumerate(zip(blocks, widths)):
            for j in range(count):
                stride = 2 if i > 0 and j == 0 else 1
                y = L.ZeroPadding2D(1)(x) if stride == 2 else x
                y = L.Conv2D(width, 3, stride, padding="valid" if stride == 2 else "same", use_bias=False)(y)
                y = L.ReLU()(L.BatchNormalization(epsilon=1e-5)(y))
                y = L.BatchNormalization(epsilon=1e-5)(L.Conv2D(width, 3, padding="same", use_bias=False)(y))
                shortcut = x
                if stride != 1 or cin != width:
                    shortcut = L.BatchNormalization(epsilon=1e-5)(L.Conv2D(width, 1, stride, use_bias=False)(x))
                x = L.ReLU()(L.Add()([y, shortcut]))
                cin = width
    x = L.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(64)(x)
    outputs = keras.layers.UnitNormalization(axis=1)(x)
    model = keras.Model(inputs, outputs)

    if args.mode == "train":
        triplets = args.batch or 32
        n = 3 * triplets
        data = tf.random.uniform((n, args.size, args.size, 1))
        opt = keras.optimizers.Adam(1e-3)

        @tf.function(jit_compile=False)
        def step(x):
            with tf.GradientTape() as tape:
                e = model(x, training=True)
                a, p, q = e[:triplets], e[triplets:2 * triplets], e[2 * triplets:]
                dp = tf.reduce_sum(tf.square(a - p), 1)
                dn = tf.reduce_sum(tf.square(a - q), 1)
                loss = tf.reduce_mean(tf.nn.relu(dp - dn + 0.5))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        warmup = 2
    else:
        n = args.batch or 256
        data = tf.random.uniform((n, args.size, args.size, 1))

        @tf.function(jit_compile=False)
        def step(x):
            return model(x, training=False)
        warmup = 1

    for _ in range(warmup):
        step(data).numpy()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step(data).numpy()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({
        "framework": "tensorflow " + tf.__version__, "benchmark": args.mode, "size": args.size, "batch": n,
        "architecture": args.architecture,
        "steps": args.steps, "threads": args.threads, "seconds": seconds, "cpu_seconds": cpu_seconds,
        "images_per_second": n * args.steps / seconds,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
