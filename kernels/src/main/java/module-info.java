/**
 * The recurrent cells: layers and models ({@code org.rnnkernels}), their files ({@code .io}), training
 * ({@code .train}), LightRNN ({@code .lightrnn}), HitNet ternary layers ({@code .ternary}) and integer RAG
 * layers ({@code .quant}).
 *
 * <p>The gate passes ({@code org.rnnkernels.cell}), the layers' products ({@code org.rnnkernels.product}:
 * input projections and recurrent products), the integer kernels ({@code org.rnnkernels.integer}) and shared
 * helpers ({@code org.rnnkernels.internal})
 * are not exported: on the module path nothing outside this module reaches them.
 * {@code jdk.incubator.vector} is required {@code static}, so the scalar kernels run without
 * {@code --add-modules=jdk.incubator.vector}.
 */
module org.rnnkernels {
    // Layers take and report the Blas they run on.
    requires transitive org.rnnkernels.blas;
    requires static jdk.incubator.vector;
    requires com.fasterxml.jackson.databind;
    requires org.jgrapht.core;

    exports org.rnnkernels;
    exports org.rnnkernels.io;
    exports org.rnnkernels.train;
    exports org.rnnkernels.lightrnn;
    exports org.rnnkernels.ternary;
    exports org.rnnkernels.quant;
}
