package dev.marketplace.server.platform.steps;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * A process that crosses domains, transactions or a third party, written as the list of its steps, each with its
 * compensation (the shape of Medusa's workflows). {@link #run} does the steps in order on one context that carries
 * what they produce; when a step fails, the compensations of the steps already done run in reverse order, then the
 * failure is thrown on. A step may end the process early ({@link Next#STOP}), which is not a failure.
 *
 * <p>Steps inside one database transaction need no compensation (the rollback is theirs); steps that commit apart
 * name what undoes them, or say that nothing needs to (a later job finishes what they leave).
 *
 * @param <C> what the steps share
 */
public final class Steps<C> {

    /** Whether the process goes on after a step. */
    public enum Next {
        CONTINUE, STOP
    }

    /** A step's work. */
    @FunctionalInterface
    public interface Action<C> {
        Next run(C context);
    }

    /** Undoes a step that was done, because a later one failed with {@code cause}. */
    @FunctionalInterface
    public interface Compensation<C> {
        void undo(C context, RuntimeException cause);
    }

    private record Step<C>(String name, Action<C> action, Compensation<C> compensation) {
    }

    private static final System.Logger LOG = System.getLogger(Steps.class.getName());

    private final String process;
    private final List<Step<C>> steps = new ArrayList<>();

    private Steps(String process) {
        this.process = process;
    }

    public static <C> Steps<C> of(String process) {
        return new Steps<>(process);
    }

    /** A step whose effect nothing needs to undo (it is the last to commit, or a job completes or reverts it). */
    public Steps<C> step(String name, Action<C> action) {
        return step(name, action, null);
    }

    public Steps<C> step(String name, Action<C> action, Compensation<C> compensation) {
        steps.add(new Step<>(Objects.requireNonNull(name), Objects.requireNonNull(action), compensation));
        return this;
    }

    /** The steps' names, in order. */
    public List<String> names() {
        return steps.stream().map(Step::name).toList();
    }

    /**
     * Runs the steps on {@code context}. A failed step's exception is thrown after the compensations of the steps
     * before it; a compensation that fails too is logged and attached to it as suppressed, and the others still run.
     */
    public C run(C context) {
        Deque<Step<C>> done = new ArrayDeque<>();
        for (Step<C> step : steps) {
            Next next;
            try {
                next = step.action().run(context);
            } catch (RuntimeException failure) {
                compensate(done, context, step, failure);
                throw failure;
            }
            done.push(step);
            if (next == Next.STOP) {
                break;
            }
        }
        return context;
    }

    private void compensate(Deque<Step<C>> done, C context, Step<C> failed, RuntimeException failure) {
        for (Step<C> step : done) {
            if (step.compensation() == null) {
                continue;
            }
            try {
                step.compensation().undo(context, failure);
            } catch (RuntimeException compensationFailure) {
                LOG.log(System.Logger.Level.ERROR, process + ": undoing '" + step.name() + "' after '" + failed.name()
                        + "' failed did not succeed", compensationFailure);
                failure.addSuppressed(compensationFailure);
            }
        }
    }
}
