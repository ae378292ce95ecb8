#!/usr/bin/env python3
"""Writes the PyTorch fixture of krill's ResNet (ResNetTests.testMatchesPyTorch): a narrow
network in torchvision's ResNet layout and names, with seeded random weights and batch-norm
running statistics, and its output on two grey images. Run by hand (the tests only read
the files it writes; no PyTorch in CI):

    bench/.venv/bin/python Tests/ConvNetTests/Fixtures/resnet_reference.py

The module below is torchvision.models.resnet's ResNet with BasicBlock, written out so that
it runs without torchvision's compiled operators: the same attributes (conv1, bn1, relu,
maxpool, layer1-4 of blocks with conv1, bn1, conv2, bn2 and downsample = [1x1 conv, batch
norm]), so the same state-dict names; only the widths are narrow (4, 8, 8, 16 instead of
64, 128, 256, 512) and the stages short (2, 1, 1, 1 blocks) to keep the fixture small.

Files: resnet_reference.safetensors (the state dict, fc included: krill must ignore it),
resnet_reference_io.safetensors (`pixels`: (2, 40, 40) grey values in [0, 1]; `features`:
(2, 16), the output of global average pooling for the images replicated to 3 channels with
ImageNet normalisation, as torchvision's pretrained weights expect).
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, layers, widths, num_classes=10):
        super().__init__()
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        for i, (blocks, planes) in enumerate(zip(layers, widths)):
            setattr(self, f"layer{i + 1}", self._make_layer(planes, blocks, 1 if i == 0 else 2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[-1], num_classes)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def features(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)


def main():
    torch.manual_seed(7)
    net = ResNet([2, 1, 1, 1], [4, 8, 8, 16])
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 2.0)
    net.eval()
    pixels = torch.rand(2, 40, 40)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = (pixels[:, None].expand(-1, 3, -1, -1) - mean) / std
    with torch.no_grad():
        features = net.features(x)
    here = os.path.dirname(os.path.abspath(__file__))
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, os.path.join(here, "resnet_reference.safetensors"))
    save_file({"pixels": pixels.contiguous(), "features": features.contiguous()}, os.path.join(here, "resnet_reference_io.safetensors"))
    print("torch", torch.__version__, "features", features.shape)


if __name__ == "__main__":
    main()
