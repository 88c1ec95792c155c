/** Plain double-precision cells, written literally from CELLS.md: the oracle of the kernels' tests. */
module org.rnnkernels.reference {
    exports org.rnnkernels.reference;
}
