//! The built-in automated-message texts, per trigger, channel and built-in locale. They pass
//! `AutomatedText::parse` for their trigger (tested below).

use super::Trigger;
use crate::domain::Channel;

/// The built-in text in `lang`, one of `BUILTIN_LOCALES` (anything else reads as English).
pub(super) fn text(trigger: Trigger, channel: Channel, lang: &str) -> &'static str {
    use Channel::*;
    use Trigger::*;
    let wa = channel == WhatsApp;
    match (lang, trigger) {
        ("de", Greeting) => {
            "Danke für Ihre Nachricht. Gleich kümmert sich jemand aus unserem Team um Sie."
        }
        ("de", AgentAssigned) => "Sie schreiben jetzt mit {AgentName}.",
        ("de", QueuePosition) => {
            "Danke für Ihre Geduld. Sie sind an Position {QueuePosition} in der Warteschlange."
        }
        ("de", AgentEnded) => "{AgentName} hat die Unterhaltung beendet. Danke für Ihre Nachricht.",
        ("de", OutOfHours) => {
            "Wir sind gerade nicht erreichbar. Wir antworten Ihnen zu unseren Geschäftszeiten."
        }
        ("de", Holiday) => {
            "Heute ist bei uns Feiertag. Wir antworten Ihnen, sobald wir wieder da sind."
        }
        ("de", OptedOut) if wa => {
            "Sie erhalten hier keine Nachrichten mehr von uns. Sie können uns jederzeit wieder schreiben."
        }
        ("de", OptedOut) => {
            "Sie wurden abgemeldet und erhalten keine Nachrichten mehr. Antworten Sie START, um sich wieder anzumelden."
        }
        ("de", OutsideTimeframe) if wa => {
            "Die Nachricht konnte nicht gesendet werden: Die Unterhaltung hat die 24-Stunden-Grenze für Antworten überschritten. Senden Sie eine genehmigte Vorlage."
        }
        ("de", OutsideTimeframe) => {
            "Die Nachricht konnte nicht gesendet werden: Sie liegt außerhalb des erlaubten Zeitraums."
        }
        ("de", FileTooBig) => {
            "Die Nachricht konnte nicht gesendet werden: Die Datei ist größer als erlaubt."
        }
        ("de", UnsupportedType) => {
            "Die Nachricht konnte nicht gesendet werden: Dieser Dateityp wird nicht unterstützt."
        }
        ("de", OverflowEnded) => {
            "Wir können Ihre Anfrage gerade nicht annehmen. Bitte schreiben Sie uns später noch einmal."
        }
        ("de", AttachmentsOff) => {
            "Die Nachricht konnte nicht gesendet werden: Wir können hier keine Dateien annehmen. Bitte schreiben Sie uns Ihr Anliegen als Text."
        }
        ("es", AttachmentsOff) => {
            "No se pudo enviar el mensaje: aquí no podemos recibir archivos. Por favor, escríbanos su consulta como texto."
        }
        ("es", OverflowEnded) => {
            "Ahora mismo no podemos atender su consulta. Por favor, escríbanos más tarde."
        }
        ("es", Greeting) => "Gracias por escribirnos. Un agente le atenderá en breve.",
        ("es", AgentAssigned) => "Ahora está hablando con {AgentName}.",
        ("es", QueuePosition) => {
            "Gracias por esperar. Su posición en la cola es la número {QueuePosition}."
        }
        ("es", AgentEnded) => {
            "{AgentName} ha finalizado la conversación. Gracias por contactarnos."
        }
        ("es", OutOfHours) => {
            "Ahora mismo estamos cerrados. Le responderemos en nuestro horario de atención."
        }
        ("es", Holiday) => "Hoy estamos cerrados por festivo. Le responderemos cuando volvamos.",
        ("es", OptedOut) if wa => {
            "No recibirá más mensajes nuestros por aquí. Puede escribirnos de nuevo cuando quiera."
        }
        ("es", OptedOut) => {
            "Se ha dado de baja y no recibirá más mensajes. Responda START para volver a suscribirse."
        }
        ("es", OutsideTimeframe) if wa => {
            "No se pudo enviar el mensaje: la conversación ha superado el límite de 24 horas para responder. Envíe una plantilla aprobada."
        }
        ("es", OutsideTimeframe) => "No se pudo enviar el mensaje: está fuera del plazo permitido.",
        ("es", FileTooBig) => {
            "No se pudo enviar el mensaje: el archivo supera el tamaño permitido."
        }
        ("es", UnsupportedType) => {
            "No se pudo enviar el mensaje: el tipo de archivo no es compatible."
        }
        (_, OverflowEnded) => {
            "We can't take your conversation right now. Please write to us again later."
        }
        (_, Greeting) => "Thanks for contacting us. An agent will be with you shortly.",
        (_, AgentAssigned) => "You're now chatting with {AgentName}.",
        (_, QueuePosition) => "Thanks for waiting. You are number {QueuePosition} in the queue.",
        (_, AgentEnded) => "{AgentName} has ended the conversation. Thank you for contacting us.",
        (_, OutOfHours) => "We're closed right now. We'll reply during our opening hours.",
        (_, Holiday) => "We're closed today for a holiday. We'll reply when we're back.",
        (_, OptedOut) if wa => {
            "You won't receive more messages from us here. Write to us again at any time."
        }
        (_, OptedOut) => {
            "You have been unsubscribed and will receive no more messages. Reply START to subscribe again."
        }
        (_, OutsideTimeframe) if wa => {
            "Message couldn't be sent: this conversation has exceeded the 24 hour limit to respond to the customer. Send an approved template instead."
        }
        (_, OutsideTimeframe) => "Message couldn't be sent: it is outside the allowed timeframe.",
        (_, FileTooBig) => "Message couldn't be sent: the file is larger than the allowed size.",
        (_, UnsupportedType) => "Message couldn't be sent: this file type isn't supported.",
        (_, AttachmentsOff) => {
            "Message couldn't be sent: we can't accept attachments here. Please write your message as text."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AutomatedText, BUILTIN_LOCALES};
    use super::*;

    #[test]
    fn every_builtin_text_is_valid_for_its_trigger_in_every_channel_and_locale() {
        for t in Trigger::ALL {
            for c in [Channel::WhatsApp, Channel::Sms] {
                for (l, _) in BUILTIN_LOCALES {
                    let s = text(t, c, l);
                    assert!(AutomatedText::parse(t, s).is_ok(), "{t:?}/{c:?}/{l}");
                }
            }
        }
    }
}
