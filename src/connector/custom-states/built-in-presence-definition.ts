/**
 * The built-in presence definition used while `presence-location` is blank: the two states of
 * releases before 8.0.300, "Set Do Not Disturb On" / "Set Do Not Disturb Off" (seed 000 L5960-5975).
 */
import { parsePresenceDefinition } from './presence-definition-parser.ts';
import type { PresenceDefinition } from './presence-definition.ts';

/** The built-in document, in the same format an operator writes. */
export const builtInPresenceDefinitionXml = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="http://genesyslab.com/schemas/ucc/presence">
  <state id="dnd-on" icon="tag:ucc.genesyslab.com,2013:icons/status/dnd">
    <display><menuText>Set Do Not Disturb On</menuText><statusText>Do not disturb</statusText></display>
    <display language="fr"><menuText>Activer Ne pas déranger</menuText><statusText>Ne pas déranger</statusText></display>
    <display language="de"><menuText>Nicht stören einschalten</menuText><statusText>Nicht stören</statusText></display>
    <display language="it"><menuText>Attiva Non disturbare</menuText><statusText>Non disturbare</statusText></display>
    <display language="ru"><menuText>Включить «Не беспокоить»</menuText><statusText>Не беспокоить</statusText></display>
    <display language="es"><menuText>Activar No molestar</menuText><statusText>No molestar</statusText></display>
    <genesysAgent ready="false"/>
  </state>
  <state id="dnd-off" icon="tag:ucc.genesyslab.com,2013:icons/status/ready">
    <display><menuText>Set Do Not Disturb Off</menuText><statusText>Ready</statusText></display>
    <display language="fr"><menuText>Désactiver Ne pas déranger</menuText><statusText>Prêt</statusText></display>
    <display language="de"><menuText>Nicht stören ausschalten</menuText><statusText>Bereit</statusText></display>
    <display language="it"><menuText>Disattiva Non disturbare</menuText><statusText>Pronto</statusText></display>
    <display language="ru"><menuText>Выключить «Не беспокоить»</menuText><statusText>Готов</statusText></display>
    <display language="es"><menuText>Desactivar No molestar</menuText><statusText>Disponible</statusText></display>
    <genesysAgent ready="true"/>
  </state>
</presence>
`;

function build(): PresenceDefinition {
  const r = parsePresenceDefinition(builtInPresenceDefinitionXml);
  if (!r.ok) throw new Error(`built-in presence definition is invalid: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.value.definition;
}

/** The parsed built-in definition. */
export const builtInPresenceDefinition: PresenceDefinition = build();
