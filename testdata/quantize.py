"""Dynamic int8 variants of the BERT cross-encoder fixture, named as Hugging Face reranker repositories name them.

sentence-transformers' export_dynamic_quantized_onnx_model writes onnx/model_qint8_avx512_vnni.onnx (signed
weights) and onnx/model_quint8_avx2.onnx (unsigned, reduce_range) with onnxruntime's quantize_dynamic; this does
the same, directly, on the fixture's fp32 graph. Run with the fixtures' virtualenv after generate.py:

    python testdata/quantize.py
"""
from pathlib import Path

from onnxruntime.quantization import QuantType, quantize_dynamic

ONNX = Path(__file__).resolve().parent / "models" / "bert-cross-encoder" / "onnx"
VARIANTS = {
    "model_qint8_avx512_vnni.onnx": dict(weight_type=QuantType.QInt8, per_channel=True, reduce_range=False),
    "model_quint8_avx2.onnx": dict(weight_type=QuantType.QUInt8, per_channel=False, reduce_range=True),
}

for name, options in VARIANTS.items():
    quantize_dynamic(str(ONNX / "model.onnx"), str(ONNX / name), **options)
    print("wrote", ONNX / name)
