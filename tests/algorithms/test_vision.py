"""Vision utilities: IoU/NMS against pixel counting and brute-force NMS, mAP on hand-computed cases,
augmentation arithmetic against rasterized masks, Grad-CAM against the closed-form CAM and hook-free autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn import functional as F

from mlnotes.algorithms.vision.augment import crop, cutmix, hflip, mix_batch, mixup, random_crop
from mlnotes.algorithms.vision.boxes import batched_nms, box_iou, nms
from mlnotes.algorithms.vision.detection_map import (
    ap_101_point,
    ap_all_point,
    coco_map,
    mean_average_precision,
    pr_curve_for_class,
)
from mlnotes.algorithms.vision.grad_cam import TinyCNN, class_activation_map, grad_cam


def _raster(box, H=24, W=24):
    m = np.zeros((H, W), dtype=bool)
    x1, y1, x2, y2 = (int(v) for v in box)
    m[y1:y2, x1:x2] = True
    return m


def _int_boxes(rng, n, size=20):
    xy = rng.integers(0, size - 1, (n, 2))
    wh = rng.integers(0, 6, (n, 2))
    return np.c_[xy, np.minimum(xy + wh, size)].astype(float)


# --- IoU -------------------------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 6), m=st.integers(0, 6))
def test_box_iou_matches_pixel_counting(seed, n, m):
    rng = np.random.default_rng(seed)
    a, b = _int_boxes(rng, n), _int_boxes(rng, m)
    iou = box_iou(a, b)
    assert iou.shape == (n, m)
    for i in range(n):
        for j in range(m):
            A, B = _raster(a[i]), _raster(b[j])
            union = np.sum(A | B)
            assert iou[i, j] == pytest.approx(np.sum(A & B) / union if union else 0.0, abs=1e-12)


def test_box_iou_hand_cases_and_errors():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [10, 0, 20, 10], [20, 20, 30, 30], [2.5, 2.5, 7.5, 7.5]])
    np.testing.assert_allclose(box_iou(a, b), [[1.0, 50 / 150, 0.0, 0.0, 25 / 100]])
    assert box_iou([[1, 1, 1, 1]], [[1, 1, 1, 1]])[0, 0] == 0.0  # zero-area boxes: IoU 0, not NaN
    with pytest.raises(ValueError, match="x1 <= x2"):
        box_iou([[5, 0, 1, 1]], a)
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        box_iou([[0, 0, 1]], a)
    with pytest.raises(ValueError, match="NaN"):
        box_iou([[0, 0, np.nan, 1]], a)


# --- NMS -------------------------------------------------------------------------------------------------------
def _brute_nms(boxes, scores, t):
    def iou(p, q):
        iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
        ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
        u = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - iw * ih
        return iw * ih / u if u > 0 else 0.0

    order = sorted(range(len(boxes)), key=lambda i: (-scores[i], i))
    keep = []
    for i in order:
        if all(iou(boxes[i], boxes[k]) <= t for k in keep):
            keep.append(i)
    return keep


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 25), t=st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]),
       ties=st.booleans())
def test_nms_matches_brute_force(seed, n, t, ties):
    rng = np.random.default_rng(seed)
    boxes = _int_boxes(rng, n, 12)
    scores = rng.integers(0, 3, n).astype(float) if ties else rng.random(n)
    assert nms(boxes, scores, t).tolist() == _brute_nms(boxes, scores, t)
    labels = rng.integers(0, 3, n)
    per_class = [i for c in range(3) for i in _brute_nms(boxes[labels == c], scores[labels == c], t)
                 for i in [np.nonzero(labels == c)[0][i]]]
    expected = sorted(per_class, key=lambda i: (-scores[i], i))
    assert batched_nms(boxes, scores, labels, t).tolist() == expected


def test_nms_hand_cases():
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 0, 10, 10]]
    scores = [0.9, 0.8, 0.7, 0.9]
    # box 3 is identical to box 0 with the same score: the lower index wins; box 1 (IoU 0.82) goes too
    assert nms(boxes, scores, 0.5).tolist() == [0, 2]
    assert nms(boxes, scores, 1.0).tolist() == [0, 3, 1, 2]  # IoU never exceeds 1: all kept, by score
    assert nms(np.zeros((0, 4)), [], 0.5).tolist() == []
    with pytest.raises(ValueError, match="one score per box"):
        nms(boxes, [0.1], 0.5)
    with pytest.raises(ValueError, match="iou_threshold"):
        nms(boxes, scores, 1.5)
    with pytest.raises(ValueError, match="NaN"):
        nms(boxes, [0.1, np.nan, 0.2, 0.3], 0.5)


# --- mAP -------------------------------------------------------------------------------------------------------
G2 = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "labels": [0, 0]}]


def _det(boxes, scores, labels=None):
    return [{"boxes": boxes, "scores": scores, "labels": [0] * len(boxes) if labels is None else labels}]


def test_map_hand_case_tp_fp_tp():
    dets = _det([[0, 0, 10, 10], [40, 40, 50, 50], [20, 20, 30, 30]], [0.9, 0.8, 0.7])
    p, r, g = pr_curve_for_class(dets, G2, 0)
    np.testing.assert_allclose(p, [1, 1 / 2, 2 / 3])
    np.testing.assert_allclose(r, [0.5, 0.5, 1.0])
    assert g == 2
    # all-point: 0.5 * 1 + 0.5 * 2/3; 101-point: 51 recall levels at precision 1, 50 at 2/3
    assert mean_average_precision(dets, G2, 0.5, "voc")[0] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert mean_average_precision(dets, G2, 0.5, "coco")[0] == pytest.approx((51 + 50 * 2 / 3) / 101)


def test_map_duplicates_are_false_positives_and_missing_objects_cap_recall():
    dets = _det([[0, 0, 10, 10], [0, 0, 10, 9]], [0.9, 0.8])
    assert mean_average_precision(dets, G2, 0.5, "voc")[0] == pytest.approx(0.5)
    assert mean_average_precision(dets, G2, 0.5, "coco")[0] == pytest.approx(51 / 101)


def test_map_voc_and_coco_matching_differ_on_overlapping_objects():
    gts = [{"boxes": [[0, 0, 10, 10], [5, 0, 15, 10]], "labels": [0, 0]}]
    # d2 overlaps g1 most (IoU 0.67, already taken) and g2 by 0.54: VOC counts a false positive, COCO a match
    dets = _det([[0, 0, 10, 10], [2, 0, 12, 10]], [0.9, 0.8])
    assert mean_average_precision(dets, gts, 0.5, "voc")[0] == pytest.approx(0.5)
    assert mean_average_precision(dets, gts, 0.5, "coco")[0] == pytest.approx(1.0)


def test_map_over_classes_images_and_thresholds():
    gts = [{"boxes": [[0, 0, 10, 10]], "labels": [0]}, {"boxes": [[0, 0, 10, 10]], "labels": [1]}]
    dets = [{"boxes": [[0, 0, 10, 10], [0, 0, 5, 5]], "scores": [0.9, 0.95], "labels": [0, 2]},  # class 2: no GT
            {"boxes": np.zeros((0, 4)), "scores": [], "labels": []}]  # class 1 never detected
    m, aps = mean_average_precision(dets, gts)
    assert aps == {0: 1.0, 1: 0.0} and m == 0.5
    # a box with IoU 0.64 counts at t = 0.5 but not at t = 0.7
    near = _det([[0, 0, 8, 8]], [0.9])
    gt1 = [{"boxes": [[0, 0, 10, 10]], "labels": [0]}]
    assert mean_average_precision(near, gt1, 0.5)[0] == 1.0
    assert mean_average_precision(near, gt1, 0.7)[0] == 0.0
    assert coco_map(near, gt1) == pytest.approx(3 / 10)  # thresholds 0.50, 0.55, 0.60 of the ten
    assert coco_map(_det([[0, 0, 10, 10]], [0.5]), gt1) == 1.0


def test_ap_interpolation_against_explicit_loops():
    rng = np.random.default_rng(0)
    tp = rng.integers(0, 2, 30)
    G = int(tp.sum()) + 3
    p = np.cumsum(tp) / np.arange(1, 31)
    r = np.cumsum(tp) / G
    coco = np.mean([max([p[k] for k in range(30) if r[k] >= t], default=0.0) for t in np.linspace(0, 1, 101)])
    assert ap_101_point(p, r) == pytest.approx(coco, abs=1e-12)
    voc, prev = 0.0, 0.0
    for k in range(30):
        if r[k] > prev:
            voc += (r[k] - prev) * max(p[k:])
            prev = r[k]
    assert ap_all_point(p, r) == pytest.approx(voc, abs=1e-12)


def test_map_edge_cases():
    assert mean_average_precision([{"boxes": np.zeros((0, 4)), "scores": [], "labels": []}], G2)[0] == 0.0
    with pytest.raises(ValueError, match="no box"):
        mean_average_precision(_det([[0, 0, 1, 1]], [0.5]), [{"boxes": np.zeros((0, 4)), "labels": []}])
    with pytest.raises(ValueError, match="same images"):
        mean_average_precision(_det([[0, 0, 1, 1]], [0.5]) * 2, G2)
    with pytest.raises(ValueError, match="scores must be finite"):
        mean_average_precision(_det([[0, 0, 1, 1]], [np.nan]), G2)
    with pytest.raises(ValueError, match="method"):
        mean_average_precision(_det([[0, 0, 1, 1]], [0.5]), G2, method="ap11")
    with pytest.raises(ValueError, match="keys"):
        mean_average_precision([{"boxes": [[0, 0, 1, 1]]}], G2)


# --- augmentations ---------------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_flip_and_crop_move_boxes_like_their_pixels(seed):
    rng = np.random.default_rng(seed)
    H, W = 16, 20
    img = rng.random((H, W, 3))
    boxes = _int_boxes(rng, 4, 15)
    flipped, fb = hflip(img, boxes)
    np.testing.assert_array_equal(flipped, img[:, ::-1])
    np.testing.assert_array_equal(hflip(flipped, fb)[1], boxes)  # flipping twice is the identity
    for b, f in zip(boxes, fb):
        np.testing.assert_array_equal(_raster(f, H, W), _raster(b, H, W)[:, ::-1])
    top, left, h, w = int(rng.integers(0, 8)), int(rng.integers(0, 8)), 8, 10
    out, cb, keep = crop(img, boxes, top, left, h, w)
    np.testing.assert_array_equal(out, img[top:top + h, left:left + w])
    expected = [i for i, b in enumerate(boxes) if _raster(b, H, W)[top:top + h, left:left + w].any()]
    assert keep.tolist() == expected
    for i, c in zip(keep, cb):
        np.testing.assert_array_equal(_raster(c, h, w), _raster(boxes[i], H, W)[top:top + h, left:left + w])


def test_crop_visibility_and_errors():
    img = np.zeros((10, 10))
    boxes = np.array([[0, 0, 4, 4], [3, 3, 9, 9]], dtype=float)
    _, cb, keep = crop(img, boxes, 2, 2, 8, 8, min_visibility=0.5)  # box 0 keeps 4/16, box 1 all
    assert keep.tolist() == [1] and cb.tolist() == [[1, 1, 7, 7]]
    out, _, _ = random_crop(img, boxes, 5, 5, rng=0)
    assert out.shape == (5, 5)
    with pytest.raises(ValueError, match="inside"):
        crop(img, boxes, 6, 0, 5, 5)
    with pytest.raises(ValueError, match="crop size"):
        random_crop(img, boxes, 11, 5)
    with pytest.raises(ValueError, match="NaN"):
        hflip(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        hflip(np.zeros((0, 3)))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.floats(0, 1), H=st.integers(1, 12), W=st.integers(1, 12))
def test_cutmix_label_equals_pixel_share(seed, lam, H, W):
    rng = np.random.default_rng(seed)
    img, lab, lam_eff, (t, l, b, r) = cutmix(np.zeros((H, W)), [1.0, 0.0], np.ones((H, W)), [0.0, 1.0], lam, rng)
    share = img.mean()  # brute force: fraction of pixels that came from the second image
    assert lab[1] == pytest.approx(share, abs=1e-12) and lab[0] == pytest.approx(1 - share, abs=1e-12)
    assert lam_eff == pytest.approx(1 - share, abs=1e-12)
    assert 0 <= t <= b <= H and 0 <= l <= r <= W


def test_mixup_and_batches():
    xa, xb = np.zeros((4, 4)), np.ones((4, 4))
    x, y = mixup(xa, [1, 0, 0], xb, [0, 0, 1], 0.3)
    np.testing.assert_allclose(x, 0.7)
    np.testing.assert_allclose(y, [0.3, 0, 0.7])
    rng = np.random.default_rng(0)
    X, Y = rng.random((6, 5, 5)), np.eye(3)[rng.integers(0, 3, 6)]
    for method in ("mixup", "cutmix"):
        Xo, Yo, lams, perm = mix_batch(X, Y, 0.4, method, rng=1)
        np.testing.assert_allclose(Yo.sum(axis=1), 1.0)
        np.testing.assert_allclose(Yo, lams[:, None] * Y + (1 - lams[:, None]) * Y[perm], atol=1e-12)
        if method == "mixup":
            np.testing.assert_allclose(Xo, lams[:, None, None] * X + (1 - lams[:, None, None]) * X[perm])
        else:  # every pixel comes from one of the two images
            assert np.all((Xo == X) | (Xo == X[perm]))
    with pytest.raises(ValueError, match="lam"):
        mixup(xa, [1], xb, [0], 1.5)
    with pytest.raises(ValueError, match="match in shape"):
        cutmix(xa, [1], np.ones((3, 3)), [0], 0.5)
    with pytest.raises(ValueError, match="alpha"):
        mix_batch(X, Y, 0.0)
    with pytest.raises(ValueError, match="NaN"):
        mixup(xa, [np.nan], xb, [0.0], 0.5)


# --- Grad-CAM --------------------------------------------------------------------------------------------------
def _x(seed, n=3, size=10):
    return np.random.default_rng(seed).normal(size=(n, 1, size, size)).astype(np.float32)


@pytest.mark.parametrize("target", [0, 1])
def test_grad_cam_equals_closed_form_cam_for_gap_linear_head(target):
    torch.manual_seed(0)
    model = TinyCNN(channels=4).eval()
    x = _x(1)
    cams = grad_cam(model, x, target, model.act2)
    np.testing.assert_allclose(cams, class_activation_map(model, x, target), rtol=1e-5, atol=1e-7)
    assert cams.shape == (3, 10, 10) and np.all(cams >= 0)


def test_grad_cam_on_an_inner_layer_matches_hook_free_autograd():
    torch.manual_seed(1)
    model = TinyCNN(channels=4).eval()
    x = torch.as_tensor(_x(2))
    A = model.act1(model.conv1(x))
    A.retain_grad()
    logits = model.head(model.act2(model.conv2(A)).mean(dim=(2, 3)))
    logits[:, 1].sum().backward()
    expected = F.relu((A.grad.mean(dim=(2, 3), keepdim=True) * A).sum(dim=1)).detach().numpy()
    np.testing.assert_allclose(grad_cam(model, x.numpy(), 1, model.act1), expected, rtol=1e-5, atol=1e-7)


def test_grad_cam_upsamples_a_strided_layer_to_the_input_size():
    torch.manual_seed(2)
    conv = nn.Conv2d(1, 3, 3, stride=2, padding=1)
    act = nn.ReLU()
    head = nn.Linear(3, 2)
    model = nn.Sequential(conv, act, nn.AdaptiveAvgPool2d(1), nn.Flatten(), head).eval()
    x = _x(3, n=2, size=12)
    small = grad_cam(model, x, 0, act, upsample=False)
    assert small.shape == (2, 6, 6)
    with torch.no_grad():  # closed form: ReLU(sum_k w_0k A^k) / (6 * 6)
        A = act(conv(torch.as_tensor(x)))
        closed = F.relu(torch.einsum("k,nkuv->nuv", head.weight[0], A)) / 36
    np.testing.assert_allclose(small, closed.numpy(), rtol=1e-5, atol=1e-7)
    big = grad_cam(model, x, 0, act)
    ref = F.interpolate(torch.as_tensor(small[:, None]), size=(12, 12), mode="bilinear", align_corners=False)
    assert big.shape == (2, 12, 12)
    np.testing.assert_allclose(big, ref[:, 0].numpy(), rtol=1e-5, atol=1e-7)


def test_grad_cam_errors():
    model = TinyCNN().eval()
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        grad_cam(model, np.zeros((1, 8, 8)), 0, model.act2)
    with pytest.raises(ValueError, match="NaN"):
        grad_cam(model, np.full((1, 1, 8, 8), np.nan), 0, model.act2)
    with pytest.raises(ValueError, match="target_class"):
        grad_cam(model, _x(0), 5, model.act2)
    with pytest.raises(ValueError, match="not used"):
        grad_cam(model, _x(0), 0, nn.ReLU())
