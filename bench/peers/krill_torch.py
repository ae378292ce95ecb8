import json, torch, torch.nn as nn, torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

class KrillNet(nn.Module):
    """krill's network: per block conv 3x3 (padding 1) [+ batch norm] + ReLU, a 2x2
    max-pool between blocks, then global average pool, dense, output transform."""
    def __init__(self, channels, batch_norm, embedding, output, **_):
        super().__init__()
        self.blocks, self.output, cin = len(channels), output, 1
        for b, c in enumerate(channels):
            setattr(self, f"conv{b}", nn.Conv2d(cin, c, 3, padding=1))
            if batch_norm:
                setattr(self, f"bn{b}", nn.BatchNorm2d(c, eps=1e-5))
            cin = c
        self.dense = nn.Linear(cin, embedding)

    def forward(self, x):  # x: (N, 1, S, S) = 1 - pixel / 255 of the rescaled image
        for b in range(self.blocks):
            x = getattr(self, f"conv{b}")(x)
            if hasattr(self, f"bn{b}"):
                x = getattr(self, f"bn{b}")(x)
            x = F.relu(x)
            if b < self.blocks - 1:
                x = F.max_pool2d(x, 2)
        x = self.dense(x.mean(dim=(2, 3)))
        if self.output == "l2":
            return F.normalize(x, dim=1, eps=1e-12)
        return torch.sigmoid(x) if self.output == "sigmoid" else x

def load(path):
    with safe_open(path, "pt") as f:
        net = KrillNet(**json.loads(f.metadata()["krill.architecture"]))
    net.load_state_dict(load_file(path))
    return net.eval()
