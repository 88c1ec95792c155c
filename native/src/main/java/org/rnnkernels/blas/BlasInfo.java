package org.rnnkernels.blas;

/**
 * Which BLAS is in use and how it is configured.
 *
 * @param implementation {@code "openblas"}, {@code "java-vector"} or {@code "java-scalar"}
 * @param source         where it came from: the library file loaded, or why the Java fallback runs
 * @param config         {@code openblas_get_config()} for OpenBLAS, a short description otherwise
 * @param coreName       {@code openblas_get_corename()} (the kernel set OpenBLAS picked), or the vector width
 * @param threads        threads the implementation uses for one call
 */
public record BlasInfo(String implementation, String source, String config, String coreName, int threads) {
    @Override
    public String toString() {
        return implementation + " [" + config + ", core " + coreName + ", " + threads + " thread(s)] from " + source;
    }
}
