package org.rnnkernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class C2CheckTest {

    /** Rows as HotSpot 25 reports them under each flag (probed with java -XX:... and the MXBean). */
    @ParameterizedTest(name = "{0} | UseCompiler={1} TieredCompilation={2} TieredStopAtLevel={3} CompilationMode={4} -> {5}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            mixed mode, sharing                 | true  | true  | 4    | default    | null
            compiled mode, sharing              | true  | true  | 4    | default    | null
            mixed mode                          | true  | false | 4    | default    | null
            mixed mode, sharing                 | true  | true  | 4    | high-only  | null
            mixed mode, sharing                 | true  | false | 1    | default    | null
            interpreted mode, sharing           | false | false | 4    | default    | -Xint
            interpreted mode                    | null  | null  | null | null       | -Xint
            mixed mode, sharing                 | false | true  | 4    | default    | -XX:-UseCompiler
            mixed mode, sharing                 | false | false | 0    | default    | -XX:TieredStopAtLevel=0
            mixed mode, emulated-client, sharing| true  | true  | 1    | default    | -XX:TieredStopAtLevel=1
            mixed mode, sharing                 | true  | true  | 2    | default    | -XX:TieredStopAtLevel=2
            mixed mode, sharing                 | true  | true  | 3    | default    | -XX:TieredStopAtLevel=3
            mixed mode, emulated-client, sharing| true  | true  | 4    | quick-only | -XX:CompilationMode=quick-only
            mixed mode, emulated-client         | null  | null  | null | null       | -XX:TieredStopAtLevel (below 4) or -XX:CompilationMode=quick-only
            mixed mode                          | null  | null  | null | null       | null
            null                                | null  | null  | null | null       | null
            mixed mode                          | true  | true  | junk | default    | null
            """)
    void flagThatDisablesC2(String vmInfo, String useCompiler, String tiered, String stopAt, String mode, String expected) {
        assertEquals(Optional.ofNullable(expected), C2Check.disablingFlag(vmInfo, useCompiler, tiered, stopAt, mode));
    }
}
