/**
 * The BLAS interface ({@link org.rnnkernels.blas.Blas}, chosen by {@link org.rnnkernels.blas.Blases}):
 * OpenBLAS through FFM, or a Java GEMM (Vector API or scalar).
 *
 * <p>{@code org.rnnkernels.simd} (the Vector API choice and the kernel loader) and
 * {@code org.rnnkernels.files} (the atomic file write, which the model files share with the OpenBLAS
 * extraction) are exported to the kernels module only: they are how the library's modules agree on one
 * choice and one way, not API. (Code on the class path, such as the shaded bench jar, sees every
 * package anyway.)
 *
 * <p>{@code jdk.incubator.vector} is required {@code static}: without
 * {@code --add-modules=jdk.incubator.vector} the module still resolves and the scalar kernels run.
 * The OpenBLAS libraries of {@code org.bytedeco:openblas:<platform>} are read as resources through the
 * class loader (their directories are no packages, so no module encapsulates them): that jar may sit on
 * the class path, and nothing here requires it. Calling OpenBLAS needs
 * {@code --enable-native-access=org.rnnkernels.blas}.
 */
@SuppressWarnings("module") // the qualified export names a module compiled after this one
module org.rnnkernels.blas {
    requires static jdk.incubator.vector;
    // C2Check reads HotSpot's options through the diagnostic MXBean (and copes without it).
    requires jdk.management;

    exports org.rnnkernels.blas;
    exports org.rnnkernels.simd to org.rnnkernels;
    exports org.rnnkernels.files to org.rnnkernels;
}
