"""Summary protos for TensorBoard, built from minitorch tensors or numpy arrays with tensorboard's own protos.

The records are the ones ``torch.utils.tensorboard`` writes (``simple_value`` scalars, ``HistogramProto``
histograms, PNG images, text and hparams plugin data), so TensorBoard shows them alike.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from ...tensor import Tensor


def to_numpy(x: Any) -> np.ndarray:
    """A host numpy array for a tensor (any device), an array, or a Python number (as a 1-element array)."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
    if np.isscalar(x):
        return np.array([x])
    raise NotImplementedError(f"Got {type(x)}, but numpy array or minitorch tensor are expected.")


def scalar(tag: str, value: Any, new_style: bool = False, double_precision: bool = False) -> Summary:
    """A scalar summary: ``simple_value`` (or, ``new_style``, a float/double tensor for the scalars plugin)."""
    array = to_numpy(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(
            f"Tensor should contain one element (0 dimensions). Was given size: {array.size} and "
            f"{array.ndim} dimensions."
        )
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    proto = (
        TensorProto(double_val=[number], dtype="DT_DOUBLE")
        if double_precision
        else TensorProto(float_val=[number], dtype="DT_FLOAT")
    )
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=proto, metadata=metadata)])


def default_bins() -> list[float]:
    """TensorFlow's histogram buckets: +-1e-12 growing by 10 % per bucket up to 1e20, and 0."""
    edges = []
    v = 1e-12
    while v < 1e20:
        edges.append(v)
        v *= 1.1
    return [-e for e in reversed(edges)] + [0] + edges


def histogram_raw(
    tag: str,
    min: float,
    max: float,
    num: int,
    sum: float,
    sum_squares: float,
    bucket_limits: Sequence[float],
    bucket_counts: Sequence[float],
) -> Summary:
    """A histogram summary from ready statistics (``bucket_limits[i]`` is the right edge of bucket ``i``)."""
    histo = HistogramProto(
        min=min, max=max, num=num, sum=sum, sum_squares=sum_squares, bucket_limit=bucket_limits, bucket=bucket_counts
    )
    return Summary(value=[Summary.Value(tag=tag, histo=histo)])


def histogram(tag: str, values: Any, bins: str | int | Sequence[float], max_bins: int | None = None) -> Summary:
    """A histogram summary of ``values`` with numpy's ``bins``; at most ``max_bins`` buckets if given."""
    values = to_numpy(values).reshape(-1)
    if values.size == 0:
        raise ValueError("The input has no element.")
    counts, edges = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:  # merge runs of adjacent buckets
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=-1)
        edges = np.append(edges[:-1:group], edges[-1])
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    first, last = int(filled[0]), int(filled[-1])
    # TensorBoard reads bucket i as (limit[i-1], limit[i]]: lead with an empty bucket ending at the first edge
    limits = edges[first : last + 2]
    buckets = np.concatenate([[0], counts[first : last + 1]])
    return histogram_raw(
        tag,
        values.min(),
        values.max(),
        len(values),
        values.sum(),
        values.dot(values),
        limits.tolist(),
        buckets.tolist(),
    )


def make_grid(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """NCHW images (1 or 3 channels) tiled row by row into one CHW image, ``ncols`` to a row."""
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, c, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    padded = np.zeros((nrows * ncols, c, h, w), dtype=images.dtype)
    padded[:n] = images
    return padded.reshape(nrows, ncols, c, h, w).transpose(2, 0, 3, 1, 4).reshape(c, nrows * h, ncols * w)


def to_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """An image (or batch, tiled by ``make_grid``) in ``dataformats`` as an HWC array with 3 channels (or 4)."""
    if len(set(dataformats)) != len(dataformats):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {dataformats}")
    if array.ndim != len(dataformats):
        raise AssertionError(
            f"size of input tensor and input format are different. tensor shape: {array.shape}, "
            f"input_format: {dataformats}"
        )
    dataformats = dataformats.upper()
    if len(dataformats) == 4:
        grid = make_grid(array.transpose([dataformats.find(c) for c in "NCHW"]))
        return grid.transpose(1, 2, 0)
    if len(dataformats) == 3:
        hwc = array.transpose([dataformats.find(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc
    hw = array.transpose([dataformats.find(c) for c in "HW"])
    return np.stack([hw] * 3, axis=2)


def image(tag: str, img: Any, dataformats: str = "NCHW") -> Summary:
    """An image summary: floats in [0, 1] (uint8 in [0, 255]) encoded as PNG."""
    from PIL import Image

    hwc = to_hwc(to_numpy(img), dataformats)
    scale = 1 if hwc.dtype == np.uint8 else 255
    pixels = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    height, width, channels = pixels.shape
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    encoded = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=out.getvalue())
    return Summary(value=[Summary.Value(tag=tag, image=encoded)])


def text(tag: str, text_string: str) -> Summary:
    """A text summary (markdown) under ``tag + '/text_summary'``, as torch names it."""
    from tensorboard.plugins.text.metadata import create_summary_metadata

    proto = TensorProto(
        dtype="DT_STRING",
        string_val=[text_string.encode("utf_8")],
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
    )
    metadata = create_summary_metadata(display_name=None, description=None)
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=metadata, tensor=proto)])


def hparams(
    hparam_dict: dict[str, Any], metric_dict: dict[str, Any], hparam_domain_discrete: dict[str, list] | None = None
) -> tuple:
    """The three hparams-plugin summaries of one run: (experiment, session start, session end)."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    hparam_domain_discrete = hparam_domain_discrete or {}
    if not isinstance(hparam_domain_discrete, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, ds in hparam_domain_discrete.items():
        if k not in hparam_dict or not isinstance(ds, list) or not all(isinstance(d, type(hparam_dict[k])) for d in ds):
            raise TypeError(
                f"parameter: hparam_domain_discrete[{k}] should be a list of same type as hparam_dict[{k}]."
            )
    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, Tensor):
            v = float(to_numpy(v).reshape(-1)[0])
        # bools are ints in Python; torch's order of tests makes them numbers too, and so does this one
        if isinstance(v, (int, float)):
            field, kind, make = "number_value", "DATA_TYPE_FLOAT64", lambda d: struct_pb2.Value(number_value=d)
        elif isinstance(v, str):
            field, kind, make = "string_value", "DATA_TYPE_STRING", lambda d: struct_pb2.Value(string_value=d)
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        setattr(start.hparams[k], field, v)
        domain = (
            struct_pb2.ListValue(values=[make(d) for d in hparam_domain_discrete[k]])
            if k in hparam_domain_discrete
            else None
        )
        infos.append(api_pb2.HParamInfo(name=k, type=api_pb2.DataType.Value(kind), domain_discrete=domain))
    experiment = api_pb2.Experiment(
        hparam_infos=infos, metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
    )
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))

    def summary(tag: str, **content: Any) -> Summary:
        data = plugin_data_pb2.HParamsPluginData(version=metadata.PLUGIN_DATA_VERSION, **content)
        plugin = SummaryMetadata.PluginData(plugin_name=metadata.PLUGIN_NAME, content=data.SerializeToString())
        return Summary(value=[Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin))])

    return (
        summary(metadata.EXPERIMENT_TAG, experiment=experiment),
        summary(metadata.SESSION_START_INFO_TAG, session_start_info=start),
        summary(metadata.SESSION_END_INFO_TAG, session_end_info=end),
    )


def figures_to_chw(figures: list[Any], close: bool = True) -> np.ndarray:
    """Matplotlib figures rendered (by the Agg canvas) to an NCHW uint8 RGB array."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    images = []
    for figure in figures:
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        images.append(rgba[:, :, :3].transpose(2, 0, 1))
        if close:
            plt.close(figure)
    return np.stack(images)
