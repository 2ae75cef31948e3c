"""dlib's face-recognition ResNet in PyTorch, batched on a GPU, checked against dlib's own descriptors.

    python bench/gpu/torch_faces.py WEIGHTS.npz CHIPS.npy DLIB_DESCRIPTORS.npy

WEIGHTS comes from dlib_net_to_xml.cpp + xml_to_npz.py; CHIPS are 150×150 RGB face chips made by
dlib.get_face_chip (68 landmarks) and DLIB_DESCRIPTORS what dlib (CPU) computed for them. Prints
the largest difference from dlib and descriptors per second by batch size and precision.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

MEAN = torch.tensor([122.782, 117.001, 104.298]).view(1, 3, 1, 1)


class DlibFaceResNet(torch.nn.Module):
    def __init__(self, weights: dict) -> None:
        super().__init__()
        keys = sorted(k for k in weights if not k.endswith("_shape"))
        self.convs, self.affines, self.specs = torch.nn.ParameterList(), torch.nn.ParameterList(), []
        biases, scales, shifts, fc = [], [], [], None
        for key in keys:
            values = torch.from_numpy(weights[key])
            if key.endswith("_con") and not key.endswith("affine_con"):
                filters, nr, nc, stride, padding = (int(v) for v in weights[key + "_shape"])
                in_channels = (values.numel() - filters) // (filters * nr * nc)
                self.convs.append(torch.nn.Parameter(values[:-filters].view(filters, in_channels, nr, nc)))
                biases.append(values[-filters:])
                self.specs.append((stride, padding))
            elif key.endswith("affine_con"):
                k = values.numel() // 2
                scales.append(values[:k])
                shifts.append(values[k:])
            else:
                fc = values
        # con → affine folds into one convolution with a bias: gamma * (w x + b) + beta.
        self.bias = torch.nn.ParameterList()
        for i, conv in enumerate(self.convs):
            conv.data *= scales[i].view(-1, 1, 1, 1)
            self.bias.append(torch.nn.Parameter(biases[i] * scales[i] + shifts[i]))
        self.fc = torch.nn.Parameter(fc.view(256, 128))
        self.register_buffer("mean", MEAN.clone())

    def _conv(self, x, i):
        stride, padding = self.specs[i]
        return F.conv2d(x, self.convs[i], self.bias[i], stride=stride, padding=padding)

    @staticmethod
    def _add(a, b):
        """dlib's add_prev: shapes may differ; what one lacks counts as zero (padded at the end)."""
        c, h, w = max(a.shape[1], b.shape[1]), max(a.shape[2], b.shape[2]), max(a.shape[3], b.shape[3])
        pad = lambda t: F.pad(t, (0, w - t.shape[3], 0, h - t.shape[2], 0, c - t.shape[1]))  # noqa: E731
        return pad(a) + pad(b)

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:          # (N, 150, 150, 3) uint8
        x = (rgb.permute(0, 3, 1, 2).float() - self.mean) / 256.0
        x = F.max_pool2d(F.relu(self._conv(x, 0)), 3, 2)
        i = 1
        for blocks, down in ((3, False), (4, True), (3, True), (3, True), (1, True)):
            for b in range(blocks):
                stride_block = down and b == 0
                y = self._conv(F.relu(self._conv(x, i)), i + 1)
                i += 2
                x = F.relu(self._add(F.avg_pool2d(x, 2, 2) if stride_block else x, y))
        return x.mean(dim=(2, 3)) @ self.fc


def main() -> None:
    weights = dict(np.load(sys.argv[1]))
    chips = torch.from_numpy(np.load(sys.argv[2]))
    reference = np.load(sys.argv[3])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = DlibFaceResNet(weights).to(device).eval()
    out = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu", "torch": torch.__version__}
    with torch.inference_mode():
        got = model(chips.to(device)).float().cpu().numpy()
        out["max_distance_from_dlib_fp32"] = float(np.linalg.norm(got - reference, axis=1).max())
        with torch.autocast(device, dtype=torch.bfloat16 if device == "cuda" else torch.bfloat16):
            low = model(chips.to(device)).float().cpu().numpy()
        out["max_distance_from_dlib_bf16"] = float(np.linalg.norm(low - reference, axis=1).max())
        for precision in ("fp32", "bf16"):
            for batch in (1, 32, 256, 1024):
                data = chips.repeat(batch // len(chips) + 1, 1, 1, 1)[:batch].to(device)
                ctx = torch.autocast(device, dtype=torch.bfloat16) if precision == "bf16" else torch.no_grad()
                with ctx:
                    for _ in range(3):
                        model(data)
                    if device == "cuda":
                        torch.cuda.synchronize()
                    runs = max(5, 4096 // batch)
                    started = time.perf_counter()
                    for _ in range(runs):
                        model(data)
                    if device == "cuda":
                        torch.cuda.synchronize()
                    elapsed = time.perf_counter() - started
                out[f"{precision}_batch_{batch}_descriptors_per_s"] = round(runs * batch / elapsed, 1)
                print(precision, batch, out[f"{precision}_batch_{batch}_descriptors_per_s"], flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
