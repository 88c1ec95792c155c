package org.rnnkernels.flink;

import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/** Makes a {@link RecurrentStepOperator} in each parallel task (Flink 2's way to give an operator its runtime). */
final class RecurrentStepOperatorFactory<IN, K, OUT> extends AbstractStreamOperatorFactory<OUT>
        implements OneInputStreamOperatorFactory<IN, OUT> {
    private static final long serialVersionUID = 1L;

    private final StepSpec<IN, K, OUT> spec;

    RecurrentStepOperatorFactory(StepSpec<IN, K, OUT> spec) {
        this.spec = spec;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<OUT>> T createStreamOperator(StreamOperatorParameters<OUT> parameters) {
        return (T) new RecurrentStepOperator<>(parameters, spec);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return RecurrentStepOperator.class;
    }
}
