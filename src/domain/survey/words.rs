//! The built-in survey's texts in the languages omnidesk knows (English, Spanish, French,
//! Portuguese), chosen by the workstream's language code's primary subtag; any other language
//! gets English. The admin's own message and question, when set, are used as written.

use super::AnswerError;
use super::SurveyRefusal;

/// Every text of the public survey page and its defaults.
#[derive(Debug)]
pub struct Words {
    /// The `lang` attribute of the page.
    pub lang: &'static str,
    pub title: &'static str,
    /// The question when the workstream sets none.
    pub question: &'static str,
    /// The text before the link when the workstream sets none.
    pub message: &'static str,
    /// Labels of the ratings 1 to 5.
    pub ratings: [&'static str; 5],
    pub comment: &'static str,
    pub comment_help: &'static str,
    pub send: &'static str,
    pub thanks_title: &'static str,
    pub thanks: &'static str,
    pub problem_title: &'static str,
    pub unknown: &'static str,
    pub expired: &'static str,
    pub answered: &'static str,
    pub throttled: &'static str,
    pub form_expired: &'static str,
    pub bad_rating: &'static str,
    pub long_comment: &'static str,
    pub bad_comment: &'static str,
}

const ENGLISH: Words = Words {
    lang: "en",
    title: "Customer survey",
    question: "How satisfied are you with the help you got?",
    message: "How did we do? Tell us in one tap:",
    ratings: ["Very poor", "Poor", "OK", "Good", "Excellent"],
    comment: "Comment (optional)",
    comment_help: "At most 1,000 characters.",
    send: "Send",
    thanks_title: "Thank you",
    thanks: "Your answer was received. You can close this page.",
    problem_title: "Survey not available",
    unknown: "This survey link is not known. Check that the whole link was opened.",
    expired: "This survey link has expired.",
    answered: "This survey was already answered. Thank you!",
    throttled: "Too many requests from your network. Try again in a few minutes.",
    form_expired: "The form had expired. Open the survey link again.",
    bad_rating: "Choose a rating from 1 to 5.",
    long_comment: "The comment is at most 1,000 characters.",
    bad_comment: "The comment contains characters that are not allowed.",
};

const SPANISH: Words = Words {
    lang: "es",
    title: "Encuesta de satisfacción",
    question: "¿Qué tan satisfecho está con la ayuda que recibió?",
    message: "¿Cómo lo hicimos? Cuéntenos con un toque:",
    ratings: ["Muy mala", "Mala", "Regular", "Buena", "Excelente"],
    comment: "Comentario (opcional)",
    comment_help: "Como máximo 1.000 caracteres.",
    send: "Enviar",
    thanks_title: "Gracias",
    thanks: "Recibimos su respuesta. Puede cerrar esta página.",
    problem_title: "Encuesta no disponible",
    unknown: "Este enlace de encuesta no es conocido. Compruebe que abrió el enlace completo.",
    expired: "Este enlace de encuesta ha caducado.",
    answered: "Esta encuesta ya fue respondida. ¡Gracias!",
    throttled: "Demasiadas solicitudes desde su red. Inténtelo de nuevo en unos minutos.",
    form_expired: "El formulario caducó. Abra de nuevo el enlace de la encuesta.",
    bad_rating: "Elija una calificación del 1 al 5.",
    long_comment: "El comentario tiene como máximo 1.000 caracteres.",
    bad_comment: "El comentario contiene caracteres no permitidos.",
};

const FRENCH: Words = Words {
    lang: "fr",
    title: "Enquête de satisfaction",
    question: "Êtes-vous satisfait de l’aide reçue ?",
    message: "Comment avons-nous fait ? Dites-le-nous en un geste :",
    ratings: ["Très mauvais", "Mauvais", "Correct", "Bien", "Excellent"],
    comment: "Commentaire (facultatif)",
    comment_help: "1 000 caractères au plus.",
    send: "Envoyer",
    thanks_title: "Merci",
    thanks: "Votre réponse a été reçue. Vous pouvez fermer cette page.",
    problem_title: "Enquête indisponible",
    unknown: "Ce lien d’enquête est inconnu. Vérifiez que le lien a été ouvert en entier.",
    expired: "Ce lien d’enquête a expiré.",
    answered: "Cette enquête a déjà reçu une réponse. Merci !",
    throttled: "Trop de requêtes depuis votre réseau. Réessayez dans quelques minutes.",
    form_expired: "Le formulaire a expiré. Ouvrez de nouveau le lien de l’enquête.",
    bad_rating: "Choisissez une note de 1 à 5.",
    long_comment: "Le commentaire compte 1 000 caractères au plus.",
    bad_comment: "Le commentaire contient des caractères non autorisés.",
};

const PORTUGUESE: Words = Words {
    lang: "pt",
    title: "Pesquisa de satisfação",
    question: "Quão satisfeito você está com a ajuda que recebeu?",
    message: "Como nos saímos? Conte-nos com um toque:",
    ratings: ["Muito ruim", "Ruim", "Regular", "Bom", "Excelente"],
    comment: "Comentário (opcional)",
    comment_help: "No máximo 1.000 caracteres.",
    send: "Enviar",
    thanks_title: "Obrigado",
    thanks: "Recebemos sua resposta. Você pode fechar esta página.",
    problem_title: "Pesquisa indisponível",
    unknown: "Este link de pesquisa não é conhecido. Verifique se o link foi aberto por inteiro.",
    expired: "Este link de pesquisa expirou.",
    answered: "Esta pesquisa já foi respondida. Obrigado!",
    throttled: "Muitas solicitações da sua rede. Tente novamente em alguns minutos.",
    form_expired: "O formulário expirou. Abra o link da pesquisa novamente.",
    bad_rating: "Escolha uma nota de 1 a 5.",
    long_comment: "O comentário tem no máximo 1.000 caracteres.",
    bad_comment: "O comentário contém caracteres não permitidos.",
};

impl Words {
    /// The texts for a language code (`es_MX`, `pt-BR`, `FR`…); English for any other.
    pub fn for_language(code: &str) -> &'static Words {
        let primary = code
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "es" => &SPANISH,
            "fr" => &FRENCH,
            "pt" => &PORTUGUESE,
            _ => &ENGLISH,
        }
    }

    pub fn error(&self, e: AnswerError) -> &'static str {
        match e {
            AnswerError::Rating => self.bad_rating,
            AnswerError::LongComment => self.long_comment,
            AnswerError::BadComment => self.bad_comment,
        }
    }

    pub fn refusal(&self, r: SurveyRefusal) -> &'static str {
        match r {
            SurveyRefusal::Unknown => self.unknown,
            SurveyRefusal::Expired => self.expired,
            SurveyRefusal::Answered => self.answered,
        }
    }
}

/// The text before the link: the workstream's, else the default in its language.
pub fn default_message(configured: &str, language: &str) -> String {
    if configured.is_empty() {
        Words::for_language(language).message.to_owned()
    } else {
        configured.to_owned()
    }
}

/// The question: the workstream's, else the default in its language.
pub fn default_question(configured: &str, language: &str) -> String {
    if configured.is_empty() {
        Words::for_language(language).question.to_owned()
    } else {
        configured.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_subtag_picks_the_language_and_english_is_the_fallback() {
        assert_eq!(Words::for_language("es_MX").lang, "es");
        assert_eq!(Words::for_language("PT-br").lang, "pt");
        assert_eq!(Words::for_language("fr").lang, "fr");
        assert_eq!(Words::for_language("de").lang, "en");
        assert_eq!(Words::for_language("").lang, "en");
    }

    #[test]
    fn the_workstreams_texts_win_over_the_defaults() {
        assert_eq!(default_message("", "es"), SPANISH.message);
        assert_eq!(default_message("Rate us:", "es"), "Rate us:");
        assert_eq!(default_question("", "xx"), ENGLISH.question);
        assert_eq!(default_question("Was it good?", "en"), "Was it good?");
    }
}
