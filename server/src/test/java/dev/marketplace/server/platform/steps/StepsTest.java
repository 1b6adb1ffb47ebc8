package dev.marketplace.server.platform.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.steps.Steps.Next;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepsTest {

    private final List<String> log = new ArrayList<>();

    private Steps.Action<List<String>> does(String what) {
        return context -> {
            context.add(what);
            return Next.CONTINUE;
        };
    }

    private Steps.Compensation<List<String>> undoes(String what) {
        return (context, cause) -> context.add("undo " + what + " (" + cause.getMessage() + ")");
    }

    @Test
    void whenAStepFailsTheDoneStepsAreUndoneInReverseOrderAndTheFailureIsThrownOn() {
        Steps<List<String>> checkout = Steps.<List<String>>of("checkout")
                .step("reserve stock", does("reserve"), undoes("reserve"))
                .step("create order", does("create"), undoes("create"))
                .step("note", does("note"))
                .step("authorize payment", context -> {
                    throw new IllegalStateException("declined");
                }, undoes("authorize"))
                .step("capture", does("capture"), undoes("capture"));

        assertThatThrownBy(() -> checkout.run(log)).hasMessage("declined");
        assertThat(log).containsExactly("reserve", "create", "note", "undo create (declined)", "undo reserve (declined)");
        assertThat(checkout.names()).containsExactly("reserve stock", "create order", "note", "authorize payment", "capture");
    }

    @Test
    void aStepMayEndTheProcessWhichUndoesNothing() {
        Steps<List<String>> steps = Steps.<List<String>>of("payment")
                .step("intent", does("intent"), undoes("intent"))
                .step("already paid", context -> Next.STOP)
                .step("authorize", does("authorize"));

        assertThat(steps.run(log)).containsExactly("intent");
    }

    @Test
    void aFailingCompensationIsAttachedToTheFailureAndTheOthersStillRun() {
        Steps<List<String>> steps = Steps.<List<String>>of("cancellation")
                .step("first", does("first"), undoes("first"))
                .step("second", does("second"), (context, cause) -> {
                    throw new IllegalStateException("cannot undo second");
                })
                .step("third", context -> {
                    throw new IllegalArgumentException("third failed");
                });

        assertThatThrownBy(() -> steps.run(log)).hasMessage("third failed")
                .satisfies(failure -> assertThat(failure.getSuppressed()).singleElement()
                        .satisfies(suppressed -> assertThat(suppressed).hasMessage("cannot undo second")));
        assertThat(log).containsExactly("first", "second", "undo first (third failed)");
    }
}
