"""Offline booking tools for the trip-booking example (and a ticket step for feedback-analysis).

Only workflows see the tools of a workflow directory's plugin files; the model does not. Bookings are
kept in memory: nothing leaves this machine. Venice has no cars, so its saga fails and is undone.
"""

from __future__ import annotations

import itertools

from agentsh import step, tool

_numbers = itertools.count(1001)
BOOKINGS: dict[str, dict] = {}
NO_CARS = {"venice"}


def _book(kind: str, **details: object) -> dict:
    booking_id = f"{kind}-{next(_numbers)}"
    BOOKINGS[booking_id] = {"kind": kind, **details}
    return {"booking_id": booking_id, **details}


def _cancel(booking_id: str) -> str:
    if BOOKINGS.pop(booking_id, None) is None:
        raise ValueError(f"no booking {booking_id}")
    return f"cancelled {booking_id}"


@tool
def cancel_flight(booking_id: str) -> str:
    """Cancel a flight booking.

    Args:
        booking_id: the id book_flight returned
    """
    return _cancel(booking_id)


@tool(compensate=cancel_flight)
def book_flight(destination: str) -> dict:
    """Book a flight to a city.

    Args:
        destination: the city to fly to
    """
    return _book("FL", destination=destination, arrival="10:40")


@tool
def cancel_hotel(booking_id: str) -> str:
    """Cancel a hotel booking.

    Args:
        booking_id: the id book_hotel returned
    """
    return _cancel(booking_id)


@tool(compensate=cancel_hotel)
def book_hotel(city: str, nights: int) -> dict:
    """Book a hotel.

    Args:
        city: where
        nights: how many nights
    """
    return _book("HO", city=city, nights=nights)


@tool
def cancel_car(booking_id: str) -> str:
    """Cancel a car booking.

    Args:
        booking_id: the id book_car returned
    """
    return _cancel(booking_id)


@tool(compensate=cancel_car)
def book_car(city: str, arrival: str) -> dict:
    """Book a rental car for the arrival time.

    Args:
        city: where to pick it up
        arrival: when the flight lands
    """
    if city.strip().lower() in NO_CARS:
        raise ValueError(f"no cars available in {city}")
    return _book("CAR", city=city, pickup=arrival)


@step
def open_ticket(summary: str, label: str, confidence: float) -> dict:
    """Open a support ticket for a person to read (offline: the ticket is only numbered)."""
    number = next(_numbers)
    return {"ticket": f"T-{number}", "message": f"Escalated to a person as ticket T-{number} ({label}, confidence {confidence}): {summary}"}
