"""Registry entries for computer vision utilities (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "vision"

SPECS = [
    AlgorithmSpec(
        name="iou-nms", title="Box IoU and greedy non-maximum suppression", family=F,
        summary="Pairwise intersection over union; keep the best box and drop its overlapping rivals.",
        module="mlnotes.algorithms.vision.boxes", reference="brute-force NMS in plain Python; hand cases",
        params=(
            Param("n_objects", int, 3, 1, 20, help="number of objects"),
            Param("boxes_per_object", int, 8, 1, 50, help="candidate boxes around each object"),
            Param("iou_threshold", float, 0.5, 0.0, 1.0, help="suppress boxes with IoU above this"),
        ),
        tags=("vision", "detection"),
    ),
    AlgorithmSpec(
        name="detection-map", title="Detection mAP (VOC all-point and COCO 101-point)", family=F,
        summary="Greedy score-ordered matching at an IoU threshold, then interpolated average precision.",
        module="mlnotes.algorithms.vision.detection_map", reference="hand-computed cases; plain-Python recomputation",
        params=(
            Param("n_images", int, 30, 1, 500, help="number of images"),
            Param("noise", float, 3.0, 0.0, 20.0, help="box jitter of the simulated detector (pixels)"),
            Param("false_rate", float, 0.3, 0.0, 1.0, help="rate of false detections"),
        ),
        tags=("vision", "detection", "evaluation"),
    ),
    AlgorithmSpec(
        name="image-augmentations", title="Flip, crop, mixup and cutmix with label arithmetic", family=F,
        summary="Geometric augmentations move the boxes; mixup/cutmix mix the labels by pixel share.",
        module="mlnotes.algorithms.vision.augment", reference="brute-force pixel counts and hand box arithmetic",
        params=(
            Param("alpha", float, 1.0, 0.05, 10.0, help="Beta(alpha, alpha) mixing parameter"),
            Param("seed", int, 0, 0, 10000, help="random seed"),
        ),
        tags=("vision", "augmentation"),
    ),
    AlgorithmSpec(
        name="grad-cam", title="Grad-CAM on a tiny CNN (PyTorch)", family=F,
        summary="Gradient-weighted feature maps show where the network looks for a class.",
        module="mlnotes.algorithms.vision.grad_cam", reference="closed-form CAM for a GAP + linear head (no autograd)",
        params=(
            Param("n_train", int, 96, 16, 512, help="training images"),
            Param("steps", int, 60, 1, 200, help="Adam steps"),
            Param("seed", int, 0, 0, 10000, help="random seed"),
        ),
        tags=("vision", "interpretability", "neural"),
    ),
]
