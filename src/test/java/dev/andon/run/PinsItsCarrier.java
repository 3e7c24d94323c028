package dev.andon.run;

/**
 * A class whose initializer blocks until interrupted: a virtual thread that initializes it pins
 * its carrier (on JDK 21 as on 25, where {@code synchronized} no longer pins). Its bytes are
 * defined afresh as a hidden class for every call that pins (see {@link VirtualThreadDispatcherTest}).
 */
final class PinsItsCarrier {
    static {
        VirtualThreadDispatcherTest.holdPinned();
    }

    private PinsItsCarrier() {
    }
}
