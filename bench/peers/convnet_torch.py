#!/usr/bin/env python3
"""The ConvNet reference step in PyTorch (CPU), for comparison with `krill bench train|embed`.

With --architecture resnet18 (or resnet34): torchvision's ResNet layout (7x7 stride-2 stem,
3x3 stride-2 max-pool, basic blocks of widths 64-512, written out below so that it needs no
torchvision), one grey input channel, global average pool, dense to 64, l2 normalisation.

Network: 64x64x1 input; blocks conv3x3 (same padding, bias) + ReLU + 2x2 max-pool for
channels 32, 64, 128 and a last conv 128 + ReLU without pool; global average pool;
dense to 64; l2 normalisation. Training step: 32 triplets (one batch of 96 images:
anchors, positives, negatives), std_triplet loss max(d+ - d- + 0.5, 0) on squared
Euclidean distances, mean over triplets, Adam (lr 0.001). Inference: batches of 256.

Prints one JSON line: framework, benchmark, size, batch, steps, threads, seconds,
images_per_second, peak_rss_bytes.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, channels=(32, 64, 128, 128), embedding=64):
        super().__init__()
        layers, cin = [], 1
        for cout in channels:
            layers.append(nn.Conv2d(cin, cout, 3, padding=1))
            cin = cout
        self.convs = nn.ModuleList(layers)
        self.dense = nn.Linear(cin, embedding)

    def forward(self, x):
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if i < len(self.convs) - 1:
                x = F.max_pool2d(x, 2)
        x = x.mean(dim=(2, 3))
        return F.normalize(self.dense(x), dim=1)


class Block(nn.Module):
    """torchvision's BasicBlock."""
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, blocks=(2, 2, 2, 2), widths=(64, 128, 256, 512), embedding=64):
        super().__init__()
        self.conv1 = nn.Conv2d(1, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        layers, cin = [], widths[0]
        for i, (count, width) in enumerate(zip(blocks, widths)):
            for j in range(count):
                layers.append(Block(cin, width, 2 if i > 0 and j == 0 else 1))
                cin = width
        self.layers = nn.Sequential(*layers)
        self.dense = nn.Linear(cin, embedding)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = self.layers(x).mean(dim=(2, 3))
        return F.normalize(self.dense(x), dim=1)


def std_triplet(e, triplets, margin=0.5):
    a, p, n = e[:triplets], e[triplets:2 * triplets], e[2 * triplets:]
    dp = ((a - p) ** 2).sum(1)
    dn = ((a - n) ** 2).sum(1)
    return F.relu(dp - dn + margin).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "embed"])
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=None, help="triplets per step (train, default 32) or images per batch (embed, default 256)")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", type=int, default=1, help="1: channels-last memory format (faster on CPU)")
    ap.add_argument("--architecture", default="plain", choices=["plain", "resnet18", "resnet34"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = {"plain": lambda: Net(), "resnet18": lambda: ResNet((2, 2, 2, 2)), "resnet34": lambda: ResNet((3, 4, 6, 3))}[args.architecture]()
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    net = net.to(memory_format=fmt)
    if args.mode == "train":
        triplets = args.batch or 32
        n = 3 * triplets
        x = torch.rand(n, 1, args.size, args.size).to(memory_format=fmt)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        warmup = 2

        def step():
            opt.zero_grad(set_to_none=True)
            loss = std_triplet(net(x), triplets)
            loss.backward()
            opt.step()
    else:
        n = args.batch or 256
        x = torch.rand(n, 1, args.size, args.size).to(memory_format=fmt)
        net.eval()
        warmup = 1

        def step():
            with torch.inference_mode():
                net(x)
    for _ in range(warmup):
        step()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({
        "framework": "pytorch " + torch.__version__, "benchmark": args.mode, "size": args.size, "batch": n,
        "architecture": args.architecture,
        "steps": args.steps, "threads": args.threads, "seconds": seconds, "cpu_seconds": cpu_seconds,
        "images_per_second": n * args.steps / seconds,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
