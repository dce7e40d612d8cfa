extension HardwareCostTable {
  /// The paper's published MAC-unit costs, as a costs file (`tscope formats --costs-template`
  /// prints it). Dotzel et al., "Learning from Students: Applying t-Distributions to Explore
  /// Accurate and Efficient Formats for LLMs", ICML 2024 (arXiv 2405.03103), §5 and Table 10:
  /// MAC units (a multiplier and an accumulator sized to add 256 terms) in SystemVerilog,
  /// synthesized with Synopsys Design Compiler at TSMC 28 nm. Area in µm², power in µW. The
  /// paper has no numbers for NF4, SF4, E1M2 or the block formats, so they have no cost here.
  public static let paperTOML = """
    # MAC-unit area (µm²) and power (µW), TSMC 28 nm: arXiv 2405.03103, Table 10.
    [int4]
    area = 160.7
    power = 48.5
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [e2m1]
    area = 170.4
    power = 49.6
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [e2m1-i]
    area = 228.2
    power = 59.7
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [e2m1-b]
    area = 268.9
    power = 67.9
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [e2m1-sr]
    area = 191.3
    power = 53.5
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [e2m1-sp]
    area = 218.0
    power = 54.6
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [e3m0]
    area = 217.7
    power = 59.5
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [apot4]
    area = 181.6
    power = 47.2
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"

    [apot4-sp]
    area = 185.1
    power = 45.5
    source = "arXiv 2405.03103 Table 10 (MAC, TSMC 28nm)"
    """
}
