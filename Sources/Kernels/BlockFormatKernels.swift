import CKernels
import Formats
import TensorIO

extension MXElement {
  /// The element as the C kernel takes it.
  var kernelElement: tk_mx_element {
    tk_mx_element(
      exponent_bits: Int32(exponentBits), mantissa_bits: Int32(mantissaBits), emax: Int32(emax),
      max_normal: Float(maxNormal), magnitude_count: Int32(magnitudes.count))
  }
}

extension MXScaleRule {
  var kernelRule: Int32 {
    switch self {
    case .floor: Int32(TK_MX_FLOOR.rawValue)
    case .rceil: Int32(TK_MX_RCEIL.rawValue)
    case .even: Int32(TK_MX_EVEN.rawValue)
    }
  }
}

extension NVFP4Variant {
  var kernelVariant: Int32 {
    switch self {
    case .fourOverSix: Int32(TK_NV_FOUR_OVER_SIX.rawValue)
    case .int4: Int32(TK_NV_INT4.rawValue)
    case .intFloat: Int32(TK_NV_INT_FLOAT.rawValue)
    }
  }
}

extension GGMLFormat {
  var kernelType: Int32 {
    switch self {
    case .q4_0: Int32(TK_GGML_Q4_0.rawValue)
    case .q4_1: Int32(TK_GGML_Q4_1.rawValue)
    case .q5_0: Int32(TK_GGML_Q5_0.rawValue)
    case .q5_1: Int32(TK_GGML_Q5_1.rawValue)
    case .q8_0: Int32(TK_GGML_Q8_0.rawValue)
    case .q2_k: Int32(TK_GGML_Q2_K.rawValue)
    case .q3_k: Int32(TK_GGML_Q3_K.rawValue)
    case .q4_k: Int32(TK_GGML_Q4_K.rawValue)
    case .q5_k: Int32(TK_GGML_Q5_K.rawValue)
    case .q6_k: Int32(TK_GGML_Q6_K.rawValue)
    case .iq4_nl: Int32(TK_GGML_IQ4_NL.rawValue)
    case .iq4_xs: Int32(TK_GGML_IQ4_XS.rawValue)
    case .iq2_xxs: Int32(TK_GGML_IQ2_XXS.rawValue)
    case .iq2_xs: Int32(TK_GGML_IQ2_XS.rawValue)
    case .iq2_s: Int32(TK_GGML_IQ2_S.rawValue)
    case .iq3_xxs: Int32(TK_GGML_IQ3_XXS.rawValue)
    case .iq3_s: Int32(TK_GGML_IQ3_S.rawValue)
    case .iq1_s: Int32(TK_GGML_IQ1_S.rawValue)
    case .iq1_m: Int32(TK_GGML_IQ1_M.rawValue)
    case .mxfp4: Int32(TK_GGML_MXFP4.rawValue)
    case .nvfp4: Int32(TK_GGML_NVFP4.rawValue)
    case .tq1_0: Int32(TK_GGML_TQ1_0.rawValue)
    case .tq2_0: Int32(TK_GGML_TQ2_0.rawValue)
    case .q1_0: Int32(TK_GGML_Q1_0.rawValue)
    case .q2_0: Int32(TK_GGML_Q2_0.rawValue)
    }
  }
}

extension GGMLImportance {
  /// The importance llama-quantize quantizes with: the imatrix's mean squares, and 1 for every
  /// column of an expert no calibration token reached (tools/quantize/quantize.cpp `load_imatrix`).
  init(_ weights: ImportanceWeights) {
    var values = weights.values
    for expert in weights.unseenExperts {
      let start = expert * weights.rowLength
      for column in start..<min(start + weights.rowLength, values.count) { values[column] = 1 }
    }
    self.init(values: values, rowLength: weights.rowLength, rowsPerExpert: weights.rowsPerExpert)
  }
}
