package dev.marketplace.server.orders;

/**
 * How a merchant kept its fulfilment deadlines over a period (the service levels of decision 40).
 *
 * @param acceptanceDue  sub-orders whose acceptance deadline fell in the period and that were accepted, rejected or
 *                       left unaccepted past it (a customer's cancellation before the deadline does not count)
 * @param acceptedInTime of those, the ones accepted by their deadline
 * @param shippingDue    sub-orders accepted in the period that shipped, or should have shipped by now
 * @param shippedInTime  of those, the ones fully shipped by their promised ship-by time (decision 56)
 */
public record FulfilmentTimes(int acceptanceDue, int acceptedInTime, int shippingDue, int shippedInTime) {
}
