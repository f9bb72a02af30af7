"""Light, seeded picture augmentation for the figure-world annotators. The studio runs them on
pictures the embedded model generated, which are softer and noisier than the renderer's, so the
training pictures are sometimes blurred, noised and shifted in brightness. Flips are the caller's
(the pose trainer must also swap left and right keypoints)."""
import numpy as np
import torch
import torch.nn.functional as F

_BLUR = torch.tensor([1.0, 2.0, 1.0]) / 4.0
_KERNEL = (_BLUR[:, None] * _BLUR[None, :]).expand(3, 1, 3, 3).contiguous()


def degrade(x, rng):
    """x: N×3×H×W in 0..1, changed per picture with draws from `rng` (numpy RandomState)."""
    n = x.shape[0]
    blur = torch.from_numpy(rng.rand(n) < 0.4)
    if blur.any():
        soft = F.conv2d(F.pad(x[blur], (1, 1, 1, 1), mode="replicate"), _KERNEL, groups=3)
        x = x.clone()
        x[blur] = soft
    gain = torch.from_numpy(rng.uniform(0.85, 1.15, (n, 1, 1, 1)).astype(np.float32))
    shift = torch.from_numpy(rng.uniform(-0.05, 0.05, (n, 1, 1, 1)).astype(np.float32))
    sigma = torch.from_numpy(rng.uniform(0.0, 0.03, (n, 1, 1, 1)).astype(np.float32))
    noise = torch.from_numpy(rng.standard_normal(x.shape).astype(np.float32))
    return (x * gain + shift + sigma * noise).clamp_(0.0, 1.0)
