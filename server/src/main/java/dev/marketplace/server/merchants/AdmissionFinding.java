package dev.marketplace.server.merchants;

/** An admission rule an application breaks: a stable rule code and a sentence for the reviewer. */
public record AdmissionFinding(String rule, String message) {
}
